import CollectorCore
import Logging
import NIOHTTP1

/// One request to an upstream, as the runtime makes it (the receivers carry no HTTP client).
public protocol UpstreamHTTP: Sendable {
    /// The answer's head, and its body as it arrives (within `timeout` for the whole exchange).
    func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)], body: [UInt8]?, timeout: Duration) async -> UpstreamReply
}

public enum UpstreamReply: Sendable {
    case answered(status: Int, headers: [(String, String)], body: AsyncThrowingStream<[UInt8], any Error>)
    /// No answer: refused, reset, or past the timeout (`timedOut`).
    case failed(String, timedOut: Bool)
}

extension OTLPReceiver.Config {
    /// `protocols.http.langfuse_api`: every other `/api/public/*` path passed to a Langfuse.
    public struct LangfuseAPI: Sendable, Equatable {
        /// Langfuse's base URL, without a trailing slash.
        public var upstream: String
        public var timeout: Duration
        /// A tenant's own Langfuse keys, by tenant id: its requests go up with them.
        public var tenantKeys: [String: Keys]

        public struct Keys: Sendable, Equatable {
            public var publicKey: String
            public var secretKey: String
        }

        init(_ m: inout ConfigMap) throws(ConfigError) {
            upstream = try m.baseURL("upstream", what: "Langfuse's base URL")
            timeout = try m.duration("timeout", default: .seconds(30))
            guard timeout > .zero else { throw ConfigError(m.childPath("timeout"), "must be above 0") }
            var keys = try m.mapOrEmpty("tenant_keys")
            tenantKeys = [:]
            for tenant in keys.keys {
                guard var k = try keys.map(tenant) else { continue }
                tenantKeys[tenant] = Keys(publicKey: try k.requiredString("public_key"), secretKey: try k.requiredString("secret_key"))
                try k.finish()
            }
            try keys.finish()
        }
    }
}

/// The Langfuse API behind the OTLP/HTTP receiver, so a Langfuse SDK pointed at the collector works
/// whole: its spans go to the pipelines, and every other `/api/public/*` call (scores, prompts,
/// datasets, projects, the legacy ingestion endpoint) goes to the configured Langfuse and its answer
/// comes back as Langfuse gave it, status and all. The client's credentials go up as they came, or,
/// when the receiver has tenants, the tenant's own keys. A score's comment (`POST
/// /api/public/scores`, one score or a list, and `score-create` events posted to
/// `/api/public/ingestion`) goes through
/// the pipelines' redaction first. Counted in `genai_collector_langfuse_api_requests_total{receiver,
/// route, status}`.
struct LangfuseAPIProxy: Sendable {
    let receiver: String
    let config: OTLPReceiver.Config.LangfuseAPI
    let upstream: (any UpstreamHTTP)?
    let consumer: any TraceConsumer
    let counters: Counters
    let logger: Logger

    static func isAPIPath(_ path: String) -> Bool { path.hasPrefix("/api/public/") }

    /// Headers that belong to one hop, or that the client recomputes.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
        "content-length",
    ]

    /// The route a path counts under: its first segment after `/api/public/` (`v2/prompts` keeps two).
    static func route(_ path: String) -> String {
        let parts = path.dropFirst("/api/public/".count).split(separator: "/")
        guard let first = parts.first else { return "other" }
        if first.count == 2, first.hasPrefix("v"), parts.count > 1 { return "\(first)/\(parts[1])" }
        return String(first)
    }

    func forward(_ request: HTTPRequest, tenant: String?) async -> HTTPResponse {
        let route = Self.route(request.path)
        guard let upstream else { return answer(route, .text(.badGateway, "no HTTP client for the Langfuse API")) }
        var headers: [(String, String)] = []
        for h in request.headers where !Self.hopByHop.contains(h.name.lowercased()) && h.name.lowercased() != "authorization" {
            headers.append((h.name, h.value))
        }
        if let tenant {
            guard let keys = config.tenantKeys[tenant] else {
                return answer(route, .text(.forbidden, "tenant \(tenant) has no Langfuse keys (langfuse_api.tenant_keys)"))
            }
            headers.append(("Authorization", "Basic " + Base64.encode(Array("\(keys.publicKey):\(keys.secretKey)".utf8))))
        } else if let auth = Credentials.single(request.headers["authorization"]) {
            headers.append(("Authorization", auth))
        }
        var body = request.body
        switch redactScores(request, &body) {
        case .some(let refusal): return answer(route, refusal)
        case nil: break
        }
        let hasBody = !body.isEmpty || request.method == .POST || request.method == .PUT || request.method == .PATCH
        switch await upstream.send(request.method, config.upstream + request.uri, headers: headers, body: hasBody ? body : nil, timeout: config.timeout)
        {
        case .answered(let status, let replyHeaders, let replyBody):
            // The body streams through as it comes (a long list of traces or a dataset export).
            var response = HTTPResponse(HTTPResponseStatus(statusCode: status))
            response.headers = replyHeaders.filter { !Self.hopByHop.contains($0.0.lowercased()) }
            response.streamed = replyBody
            return answer(route, response)
        case .failed(let why, let timedOut):
            logger.warning("Langfuse API unreachable", metadata: ["receiver": "\(receiver)", "route": "\(route)", "error": "\(why)"])
            return answer(route, .text(timedOut ? .gatewayTimeout : .badGateway, "the Langfuse API at \(config.upstream) did not answer: \(why)"))
        }
    }

    private func answer(_ route: String, _ r: HTTPResponse) -> HTTPResponse {
        counters.add(.langfuseAPIRequests, 1, ["receiver": receiver, "route": route, "status": String(r.status.code)])
        return r
    }

    /// Score comments through the pipelines' redaction, in place; an answer when the body cannot be
    /// read for it (a compressed or malformed score is refused rather than passed on unread).
    private func redactScores(_ request: HTTPRequest, _ body: inout [UInt8]) -> HTTPResponse? {
        guard request.method == .POST, request.path == "/api/public/scores" || request.path == "/api/public/ingestion" else { return nil }
        if let coding = request.headers.first(name: "content-encoding"), coding.lowercased() != "identity" {
            return .text(.unsupportedMediaType, "send scores uncompressed: their comments are redacted on the way")
        }
        let doc: JSONValue
        do { doc = try JSONParser().parse(String(decoding: body, as: UTF8.self)) } catch {
            return .text(.badRequest, "the body is not JSON: \(error)")
        }
        var redacted = 0
        func scrub(_ score: JSONValue) -> JSONValue {
            guard case .object(var members) = score, let i = members.lastIndex(where: { $0.key == "comment" }),
                case .string(let comment) = members[i].value
            else { return score }
            let clean = consumer.redact(text: comment)
            guard clean != comment else { return score }
            redacted += 1
            members[i] = JSONMember("comment", .string(clean))
            return .object(members)
        }
        let out: JSONValue
        if request.path == "/api/public/scores" {
            // One score, or a list of them (the SDK's batches).
            if case .array(let scores) = doc { out = .array(scores.map(scrub)) } else { out = scrub(doc) }
        } else {
            guard case .object(var members) = doc, let i = members.lastIndex(where: { $0.key == "batch" }), case .array(let events) = members[i].value else {
                return nil  // Langfuse answers a body without a batch itself
            }
            members[i] = JSONMember(
                "batch",
                .array(
                    events.map { e in
                        guard e["type"]?.stringValue == "score-create", case .object(var m) = e, let b = m.lastIndex(where: { $0.key == "body" }) else {
                            return e
                        }
                        m[b] = JSONMember("body", scrub(m[b].value))
                        return .object(m)
                    }))
            out = .object(members)
        }
        guard redacted > 0 else { return nil }
        counters.add(.langfuseAPICommentsRedacted, redacted, ["receiver": receiver])
        body = Array(JSONWriter.serialize(out).utf8)
        return nil
    }
}
