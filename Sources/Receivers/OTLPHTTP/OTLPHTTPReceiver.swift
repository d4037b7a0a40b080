import CollectorCore
import Logging
import NIOHTTP1
import OTLP

/// OTLP/HTTP: `POST /v1/traces` (and Langfuse's `/api/public/otel/v1/traces`), `/v1/logs` and
/// `/v1/metrics` (each when a pipeline of that signal lists the receiver) with protobuf or JSON,
/// gzip, deflate or zstd; answers in the request's encoding. Everything the head can tell is checked
/// before the body is read (404, 405, 401 without valid credentials, 415 for another content type or
/// encoding, 413 for a declared length over the cap, 503 when the pipeline is already full); then 413
/// over the decompressed-size or decoded-size cap, 400 for a malformed body, 503 with Retry-After when
/// the pipeline pushes back.
public struct OTLPHTTPReceiver: Sendable {
    public let id: String
    let config: OTLPReceiver.Config.HTTP
    let consumer: any TraceConsumer
    let auth: AuthSource
    let counters: Counters
    let logger: Logger
    let proxy: LangfuseAPIProxy?

    /// `auth`: the credentials to check, if they may change while running (a reload); else the config's.
    public init(
        id: String, config: OTLPReceiver.Config.HTTP, consumer: any TraceConsumer, auth: AuthSource? = nil, counters: Counters, logger: Logger,
        upstream: (any UpstreamHTTP)? = nil
    ) {
        self.id = id
        proxy = config.langfuseAPI.map {
            LangfuseAPIProxy(receiver: id, config: $0, upstream: upstream, consumer: consumer, counters: counters, logger: logger)
        }
        self.config = config
        self.consumer = consumer
        self.auth = auth ?? AuthSource(config.auth)
        self.counters = counters
        self.logger = logger
    }

    public func server(onBound: @escaping @Sendable (Int) -> Void = { _ in }) -> HTTPServer {
        let ingest = self.ingest
        return HTTPServer(
            name: "\(id)/http", endpoint: config.endpoint, tls: config.tls, maxBodyBytes: config.maxRequestBodyBytes,
            limits: config.server, memory: consumer.memory, logger: logger, onBound: onBound,
            onRefused: { ingest.countRefused($0) },
            headCheck: { head in check(head) }, handler: { request in await handle(request) })
    }

    private var ingest: Ingest { Ingest(receiver: id, transport: "http", consumer: consumer, counters: counters, limits: config.limits) }

    /// The signal a path is for, or nil.
    func signal(path uri: String) -> Signal? {
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
        if config.tracesPaths.contains(path) { return .traces }
        if path == config.logsPath { return .logs }
        if path == config.metricsPath { return .metrics }
        return nil
    }

    /// What the request's head decides, before any of the body is read: an answer, or nil to read on.
    public func check(_ head: HTTPRequestHead) -> HTTPResponse? {
        func refuse(_ reason: String, _ response: HTTPResponse) -> HTTPResponse {
            ingest.countRefused(reason)
            return response
        }
        if proxy != nil, signal(path: head.uri) == nil, LangfuseAPIProxy.isAPIPath(head.uri) {
            if let auth = auth.current, !Credentials.accepts(Credentials.single(head.headers["authorization"]), auth) {
                return refuse("unauthenticated", Self.unauthenticated)
            }
            return nil
        }
        guard let signal = signal(path: head.uri) else {
            return refuse(
                "not_found",
                .text(
                    .notFound,
                    "unknown path; OTLP traces go to \(config.tracesPaths[0]), logs to \(config.logsPath), metrics to \(config.metricsPath)"))
        }
        guard consumer.accepts(signal) else {
            return refuse("not_found", .text(.notFound, "no \(signal.rawValue) pipeline takes data from receiver \(id)"))
        }
        guard head.method == .POST else {
            return refuse("method_not_allowed", .text(.methodNotAllowed, "use POST", headers: [("Allow", "POST")]))
        }
        // Exactly one Authorization header: a second one could hide the one a proxy checked.
        if let auth = auth.current, !Credentials.accepts(Credentials.single(head.headers["authorization"]), auth) {
            return refuse(
                "unauthenticated",
                .text(
                    .unauthorized, "missing or invalid credentials",
                    headers: [("WWW-Authenticate", "Bearer realm=\"genai-collector\", Basic realm=\"genai-collector\"")]))
        }
        guard let encoding = Self.encoding(head.headers) else {
            return refuse("unsupported_media_type", .text(.unsupportedMediaType, "content type must be application/x-protobuf or application/json"))
        }
        switch Self.coding(head.headers) {
        case nil:
            return refuse("unsupported_media_type", .text(.unsupportedMediaType, "content encoding is not supported (identity, gzip, deflate, zstd)"))
        case .zstd? where !Zstd.isAvailable:
            return refuse(
                "unsupported_media_type", .text(.unsupportedMediaType, "content encoding zstd is not available on this machine (libzstd.so.1 not found)"))
        default:
            break
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init),
            case .refused(let reason, let retryAfter)? = ingest.precheck(bodyBytes: length)
        {
            return Self.reply(encoding, .overMemoryLimit, "data refused: \(reason)", [("Retry-After", String(max(1, Int(retryAfter.components.seconds))))])
        }
        return nil
    }

    /// A request whose head passed `check`, with its body.
    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        var head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.path)
        head.headers = request.headers
        if let early = check(head) { return early }
        if let proxy, signal(path: request.path) == nil {
            let tenant = auth.current.flatMap { Credentials.identify(Credentials.single(request.headers["authorization"]), $0)?.tenant }
            return await proxy.forward(request, tenant: tenant)
        }
        let encoding = Self.encoding(request.headers) ?? .protobuf
        // `check` has accepted the credentials; the tenant they are bound to goes with the batch.
        let tenant = auth.current.flatMap { Credentials.identify(Credentials.single(request.headers["authorization"]), $0)?.tenant }
        let signal = signal(path: request.path) ?? .traces
        let outcome = await ingest.receive(
            request.body, coding: Self.coding(request.headers) ?? .identity, json: encoding == .json,
            maxBodyBytes: config.maxRequestBodyBytes, reservation: request.reservation, tenant: tenant, signal: signal)
        switch outcome {
        case .accepted(let rejected):
            return HTTPResponse(
                .ok, contentType: encoding.mediaType,
                body: OTLPResponse.success(
                    encoding, signal: signal, rejected: Int64(rejected), errorMessage: Ingest.rejectedMessage(rejected)))
        case .refused(let reason, let retryAfter):
            return Self.reply(encoding, .overMemoryLimit, "data refused: \(reason)", [("Retry-After", String(max(1, Int(retryAfter.components.seconds))))])
        case .tooLarge(let message):
            return Self.reply(encoding, .tooLarge, message)
        case .invalid(let message):
            logger.debug("bad request", metadata: ["receiver": "\(id)", "error": "\(message)"])
            return Self.reply(encoding, .invalid, message)
        case .unauthorized(let message):
            return HTTPResponse.text(
                .unauthorized, message, headers: [("WWW-Authenticate", "Bearer realm=\"genai-collector\", Basic realm=\"genai-collector\"")])
        }
    }

    static let unauthenticated = HTTPResponse.text(
        .unauthorized, "missing or invalid credentials",
        headers: [("WWW-Authenticate", "Bearer realm=\"genai-collector\", Basic realm=\"genai-collector\"")])

    static func reply(
        _ encoding: OTLPResponse.Encoding, _ status: WireStatus, _ message: String,
        _ headers: [(String, String)] = []
    ) -> HTTPResponse {
        HTTPResponse(status.http, contentType: encoding.mediaType, body: OTLPResponse.status(encoding, status.otlpCode, message), headers: headers)
    }

    static func encoding(_ headers: HTTPHeaders) -> OTLPResponse.Encoding? {
        let contentType =
            (headers.first(name: "content-type") ?? "").split(separator: ";").first
            .map { $0.trimmingSpaces.lowercased() } ?? ""
        switch contentType {
        case "application/x-protobuf": return .protobuf
        case "application/json": return .json
        default: return nil
        }
    }

    static func coding(_ headers: HTTPHeaders) -> Ingest.Coding? {
        let value = (headers.first(name: "content-encoding") ?? "identity").lowercased()
        return value.isEmpty ? .identity : Ingest.Coding(rawValue: value)
    }
}

extension OTLPResponse.Encoding {
    var mediaType: String { self == .protobuf ? "application/x-protobuf" : "application/json" }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
