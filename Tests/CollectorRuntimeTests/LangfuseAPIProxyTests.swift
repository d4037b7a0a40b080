import CollectorCore
import CollectorRuntime
@testable import ExporterHelper
import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// The Langfuse API behind the OTLP/HTTP receiver (`langfuse_api`): the real Langfuse SDK pointed at
/// the collector traces through the pipeline and scores and reads prompts through the contract
/// server, unchanged; the score's comment is redacted on the way; statuses come back as Langfuse
/// gave them; a tenant's requests go up with its own keys; a Langfuse that does not answer is a 502
/// or a 504, counted.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct LangfuseAPIProxyTests {
    static func received(_ langfuse: LangfuseTestServer) async throws -> JSONValue {
        let r = try await HTTPTransport(tls: nil).send(.GET, "\(langfuse.url)/__control/received", headers: [], body: nil, timeout: .seconds(10))
        return try JSONParser().parse(r.text)
    }

    static func control(_ langfuse: LangfuseTestServer, _ path: String, _ body: String) async throws {
        let r = try await HTTPTransport(tls: nil).send(
            .POST, "\(langfuse.url)/__control/\(path)", headers: [("Content-Type", "application/json")], body: Array(body.utf8), timeout: .seconds(10))
        #expect(r.status == 200)
    }

    static func requests(_ c: CollectorHarness.Running, _ route: String, _ status: String) -> Int {
        c.counters.value(.langfuseAPIRequests, ["receiver": "otlp", "route": route, "status": status])
    }

    @Test func theLangfuseSDKWorksWholeThroughTheCollector() async throws {
        let langfuse = try await LangfuseTestServer()
        defer { langfuse.stop() }
        try await Self.control(langfuse, "prompts", #"[{"name": "movie-critic", "version": 2, "id": "cm-critic-2", "prompt": "Review {{movie}}."}]"#)
        let dir = NSTemporaryDirectory() + "genai-api-\(UUID().uuidString)"
        defer { removeTestFiles(dir) }
        let yaml = """
            receivers:
              otlp:
                protocols:
                  http:
                    endpoint: "127.0.0.1:0"
                    auth: {basic: [{username: pk-lf-test, password: sk-lf-test}]}
                    langfuse_api: {upstream: "\(langfuse.url)", timeout: 5s}
            processors: {redaction: {}, batch: {timeout: 100ms}}
            exporters: {file/out: {directory: "\(dir)"}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [redaction, batch], exporters: [file/out]}}
            """
        try await CollectorHarness.with([yaml]) { running in
            let c = running[0]
            let (status, out) = try await Scripts.py("langfuse_sdk_api.py", ["http://127.0.0.1:\(c.port("otlp/http"))"])
            #expect(status == 0, "\(out)")
            let result = try JSONParser().parse(String(out.split(separator: "\n").last ?? ""))
            #expect(result["prompt"] == .string("Review {{movie}}.") && result["version"] == .int(2), "\(out)")
            #expect(result["missing"]?.stringValue?.contains("404") == true, "\(out)")
            #expect(try await eventually { c.counters.value(.exporterSentSpans, ["exporter": "file/out"]) == 1 })
            #expect(Self.requests(c, "scores", "202") == 1 && Self.requests(c, "v2/prompts", "200") == 1 && Self.requests(c, "v2/prompts", "404") == 1)
            #expect(c.counters.value(.langfuseAPICommentsRedacted, ["receiver": "otlp"]) == 1)
            // The trace went to the pipeline, not to Langfuse.
            let got = try await Self.received(langfuse)
            #expect(got["spans"]?.arrayValue?.isEmpty == true)
            let scores = got["scores"]?.arrayValue ?? []
            let score = try #require(scores.first)
            #expect(scores.count == 1 && score["body"]?["name"] == .string("quality") && score["body"]?["value"] == .double(0.9))
            #expect(score["body"]?["traceId"] == result["trace"] && score["body"]?["observationId"] == result["observation"])
            // Redacted before it left; the SDK's own credentials went up.
            let comment = score["body"]?["comment"]?.stringValue ?? ""
            #expect(!comment.contains("bob@example.com") && comment.hasPrefix("Reviewer ") && comment.hasSuffix(" agrees."), "\(comment)")
            #expect(score["authorization"] == .string("Basic " + Base64.encode(Array("pk-lf-test:sk-lf-test".utf8))))
            #expect(got["prompt_lookups"] == .int(2))
        }
    }

    /// A receiver without auth whose Langfuse API goes to `langfuse`.
    static func plain(_ langfuse: LangfuseTestServer, timeout: String) -> String {
        """
        receivers:
          otlp:
            protocols: {http: {endpoint: "127.0.0.1:0", langfuse_api: {upstream: "\(langfuse.url)", timeout: \(timeout)}}}
        exporters: {debug: {}}
        service:
          telemetry: {metrics: {address: "127.0.0.1:0"}}
          pipelines: {traces: {receivers: [otlp], exporters: [debug]}}
        """
    }

    /// An answer passes on as it arrives: the first part of a held page reaches the client while
    /// Langfuse still holds the rest (a proxy that buffered would send nothing until the release).
    @Test func answersStreamThrough() async throws {
        let langfuse = try await LangfuseTestServer()
        defer { langfuse.stop() }
        try await CollectorHarness.with([Self.plain(langfuse, timeout: "20s")]) { running in
            let c = running[0]
            let auth = ("Authorization", "Basic " + Base64.encode(Array("pk-lf-test:sk-lf-test".utf8)))
            let r = try await HTTPTransport(tls: nil).stream(
                .GET, "http://127.0.0.1:\(c.port("otlp/http"))/api/public/traces?hold=1", headers: [auth], body: nil, timeout: .seconds(20))
            #expect(r.status == 200 && r.headers.contains { $0.0.lowercased() == "transfer-encoding" && $0.1 == "chunked" })
            var parts = r.body.makeAsyncIterator()
            var head: [UInt8] = []
            while head.count < 10, let part = try await parts.next() { head += part }
            #expect(String(decoding: head, as: UTF8.self) == #"{"data": ["#)
            try await Self.control(langfuse, "release", "{}")
            var rest: [UInt8] = []
            while let part = try await parts.next() { rest += part }
            let page = try JSONParser().parse(String(decoding: head + rest, as: UTF8.self))
            #expect(page["meta"]?["totalItems"] == .int(0) && page["data"] == .array([]))
            #expect(Self.requests(c, "traces", "200") == 1)
            #expect(try await Self.received(langfuse)["hold_timeouts"] == .int(0))
        }
    }

    @Test func langfuseAPIMistakesNameTheirKey() {
        let cases: [(String, String)] = [
            ("{timeout: 5s}", "receivers.otlp.protocols.http.langfuse_api.upstream: is required"),
            ("{upstream: cloud.langfuse.com}", "langfuse_api.upstream: must be Langfuse's base URL: an http:// or https:// URL, got 'cloud.langfuse.com'"),
            ("{upstream: \"http://lf\", timout: 5s}", "langfuse_api.timout: unknown key"),
            ("{upstream: \"http://lf\", tenant_keys: {team-z: {public_key: p, secret_key: s}}}", "langfuse_api.tenant_keys.team-z: names no tenant"),
            ("{upstream: \"http://lf\", tenant_keys: {team-a: {public_key: p}}}", "langfuse_api.tenant_keys.team-a.secret_key: is required"),
        ]
        for (api, expected) in cases {
            let yaml = """
                receivers:
                  otlp:
                    protocols:
                      http: {auth: {tenants: {team-a: {bearer_tokens: [t]}}}, langfuse_api: \(api)}
                exporters: {debug: {}}
                service: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}
                """
            let error = #expect(throws: ConfigErrors.self) { try CollectorConfig(try ConfigLoader().load(["yaml:" + yaml])) }
            #expect(error.map { "\($0)".contains(expected) } ?? false, "\(api): \(String(describing: error))")
        }
    }

    /// Tenants: each request goes up with its tenant's keys; the client's own credential never
    /// leaves; without the right credential nothing is passed on.
    @Test func aTenantsRequestsGoUpWithItsOwnKeys() async throws {
        let langfuse = try await LangfuseTestServer()
        defer { langfuse.stop() }
        try await Self.control(langfuse, "keys", #"[["pk-team-a", "sk-team-a"], ["pk-lf-test", "sk-lf-test"]]"#)
        let yaml = """
            receivers:
              otlp:
                protocols:
                  http:
                    endpoint: "127.0.0.1:0"
                    auth: {tenants: {team-a: {bearer_tokens: [token-a]}, team-b: {bearer_tokens: [token-b]}}}
                    langfuse_api: {upstream: "\(langfuse.url)", tenant_keys: {team-a: {public_key: pk-team-a, secret_key: sk-team-a}}}
            exporters: {debug: {}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], exporters: [debug]}}
            """
        try await CollectorHarness.with([yaml]) { running in
            let c = running[0]
            let base = "http://127.0.0.1:\(c.port("otlp/http"))/api/public/projects"
            func get(_ token: String?) async throws -> HTTPTransport.Response {
                try await HTTPTransport(tls: nil).send(
                    .GET, base, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [], body: nil, timeout: .seconds(10))
            }
            let a = try await get("token-a")
            #expect(a.status == 200 && a.text.contains("proj-test"), "\(a.text)")
            let b = try await get("token-b")
            #expect(b.status == 403 && b.text.contains("tenant team-b has no Langfuse keys"), "\(b.text)")
            let wrong = try await get("token-x")
            let none = try await get(nil)
            #expect(wrong.status == 401 && none.status == 401)
            #expect(Self.requests(c, "projects", "200") == 1 && Self.requests(c, "projects", "403") == 1)
            let got = try await Self.received(langfuse)
            #expect(got["by_public_key"]?["pk-team-a"] == .int(1) && got["by_public_key"]?.objectValue?.count == 1, "\(got["by_public_key"] ?? .null)")
        }
    }

    /// Statuses pass through as Langfuse gave them (a 429 with its Retry-After, a 400 for a bad
    /// score); a Langfuse too slow is a 504; one that is gone, a 502.
    @Test func statusesPassThroughAndAnAbsentLangfuseIsAGatewayError() async throws {
        let langfuse = try await LangfuseTestServer()
        defer { langfuse.stop() }
        try await CollectorHarness.with([Self.plain(langfuse, timeout: "1s")]) { running in
            let c = running[0]
            let url = "http://127.0.0.1:\(c.port("otlp/http"))/api/public/scores"
            let auth = ("Authorization", "Basic " + Base64.encode(Array("pk-lf-test:sk-lf-test".utf8)))
            func post(_ body: String) async throws -> HTTPTransport.Response {
                try await HTTPTransport(tls: nil).send(
                    .POST, url, headers: [auth, ("Content-Type", "application/json")], body: Array(body.utf8), timeout: .seconds(10))
            }
            try await Self.control(langfuse, "fail", #"{"status": 429, "count": 1, "retry_after": 7}"#)
            let limited = try await post(#"{"name": "q", "value": 1}"#)
            #expect(limited.status == 429 && limited.headers.first(name: "retry-after") == "7")
            let bad = try await post(#"{"name": "q", "value": 1, "source": "EVAL"}"#)
            #expect(bad.status == 400 && bad.text.contains("source EVAL"), "\(bad.text)")
            let notJSON = try await post("not json")
            #expect(notJSON.status == 400)
            try await Self.control(langfuse, "fail", #"{"delay_s": 3, "count": 1}"#)
            let slow = try await post(#"{"name": "q", "value": 1}"#)
            #expect(slow.status == 504, "\(slow.text)")
            langfuse.stop()
            let gone = try await post(#"{"name": "q", "value": 1}"#)
            #expect(gone.status == 502, "\(gone.text)")
            #expect(Self.requests(c, "scores", "429") == 1 && Self.requests(c, "scores", "400") == 2 && Self.requests(c, "scores", "504") == 1)
            #expect(Self.requests(c, "scores", "502") == 1)
        }
    }
}
