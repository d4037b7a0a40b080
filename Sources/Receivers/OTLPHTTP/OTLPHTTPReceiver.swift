import CollectorCore
import Logging
import NIOHTTP1
import OTLP

/// OTLP/HTTP: `POST /v1/traces` (and Langfuse's `/api/public/otel/v1/traces`) with protobuf or JSON,
/// gzip, deflate or zstd; answers in the request's encoding. 413 over the decompressed-size cap, 415 for
/// another content type or encoding, 405 for another method, 400 for a malformed body, 401 without
/// valid credentials, 503 with Retry-After when the pipeline pushes back.
public struct OTLPHTTPReceiver: Sendable {
    public let id: String
    let config: OTLPReceiverConfig.HTTP
    let consumer: any TraceConsumer
    let counters: Counters
    let logger: Logger

    public init(id: String, config: OTLPReceiverConfig.HTTP, consumer: any TraceConsumer, counters: Counters, logger: Logger) {
        self.id = id
        self.config = config
        self.consumer = consumer
        self.counters = counters
        self.logger = logger
    }

    public func server(onBound: @escaping @Sendable (Int) -> Void = { _ in }) -> HTTPServer {
        HTTPServer(name: "\(id)/http", endpoint: config.endpoint, tls: config.tls, maxBodyBytes: config.maxRequestBodyBytes, logger: logger,
                   onBound: onBound) { request in await handle(request) }
    }

    private var ingest: Ingest { Ingest(receiver: id, transport: "http", consumer: consumer, counters: counters, limits: config.limits) }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard config.tracesPaths.contains(request.path) else {
            return .text(.notFound, "unknown path \(request.path); OTLP traces go to \(config.tracesPaths[0])")
        }
        guard request.method == .POST else { return .text(.methodNotAllowed, "use POST", headers: [("Allow", "POST")]) }
        if let auth = config.auth, !Credentials.accepts(request.headers.first(name: "authorization"), auth) {
            return .text(.unauthorized, "missing or invalid credentials", headers: [("WWW-Authenticate", "Bearer realm=\"genai-collector\", Basic realm=\"genai-collector\"")])
        }
        let contentType = (request.headers.first(name: "content-type") ?? "").split(separator: ";").first
            .map { $0.trimmingSpaces.lowercased() } ?? ""
        let encoding: OTLPResponse.Encoding
        switch contentType {
        case "application/x-protobuf": encoding = .protobuf
        case "application/json": encoding = .json
        default:
            return .text(.unsupportedMediaType, "content type must be application/x-protobuf or application/json, got '\(contentType)'")
        }
        let mediaType = encoding == .protobuf ? "application/x-protobuf" : "application/json"
        func reply(_ status: HTTPResponseStatus, _ code: OTLPResponse.Code, _ message: String, _ headers: [(String, String)] = []) -> HTTPResponse {
            HTTPResponse(status, contentType: mediaType, body: OTLPResponse.status(encoding, code, message), headers: headers)
        }
        guard var body = request.body else {
            return reply(.payloadTooLarge, .invalidArgument, "body larger than \(config.maxRequestBodyBytes) bytes")
        }
        func refused(_ reason: String, _ retryAfter: Duration) -> HTTPResponse {
            let seconds = max(1, Int(retryAfter.components.seconds))
            return reply(.serviceUnavailable, .unavailable, "data refused: \(reason)", [("Retry-After", String(seconds))])
        }
        // Before decompressing or decoding: a full pipeline refuses at the cost of reading the body.
        if case .refused(let reason, let retryAfter)? = ingest.precheck(bodyBytes: body.count) { return refused(reason, retryAfter) }
        switch (request.headers.first(name: "content-encoding") ?? "identity").lowercased() {
        case "identity", "":
            break
        case let coding where ["gzip", "deflate", "zstd"].contains(coding):
            if coding == "zstd" && !Zstd.isAvailable {
                return .text(.unsupportedMediaType, "content encoding zstd is not available on this machine (libzstd.so.1 not found)")
            }
            do {
                body = coding == "zstd"
                    ? try Zstd.decompress(body, limit: config.maxRequestBodyBytes)
                    : try Gzip.decompress(body, limit: config.maxRequestBodyBytes, zlibHeader: coding == "deflate")
            } catch {
                if case .tooLarge = error.kind {
                    return reply(.payloadTooLarge, .invalidArgument, "decompressed body larger than \(config.maxRequestBodyBytes) bytes")
                }
                return reply(.badRequest, .invalidArgument, "cannot decompress body: \(error)")
            }
        case let other:
            return .text(.unsupportedMediaType, "content encoding '\(other)' is not supported (identity, gzip, deflate, zstd)")
        }
        let bodyBytes = body.count
        let batch: TraceBatch
        do {
            let budget = config.maxRequestBodyBytes * OTLPRequestDecoder.decodedBytesPerBodyByte
            batch = encoding == .protobuf ? try OTLPProtobufDecoder(maxDecodedBytes: budget).decode(body)
                : try OTLPJSONDecoder(maxDecodedBytes: budget).decode(body)
        } catch {
            logger.debug("bad request", metadata: ["receiver": "\(id)", "error": "\(error)"])
            if case .decodedTooLarge = error.kind {
                return reply(.payloadTooLarge, .invalidArgument, "request too large: \(error)")
            }
            return reply(.badRequest, .invalidArgument, "invalid OTLP trace request: \(error)")
        }
        let result = await ingest.deliver(batch, bodyBytes: bodyBytes)
        switch result.outcome {
        case .accepted:
            return HTTPResponse(.ok, contentType: mediaType, body: OTLPResponse.success(
                encoding, rejectedSpans: Int64(result.rejected), errorMessage: result.rejectedMessage))
        case .refused(let reason, let retryAfter):
            return refused(reason, retryAfter)
        }
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
