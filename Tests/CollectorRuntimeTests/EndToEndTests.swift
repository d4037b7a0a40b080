import CollectorCore
@testable import ExporterHelper
import CollectorRuntime
import Foundation
import Logging
import TestSupport
import ServiceLifecycleTestKit
import Synchronization
import Testing
import SwiftProtobuf
import Receivers

/// The daemon in-process (OTLP/HTTP → processors → batch → file), fed by real client libraries
/// (Python, installed by scripts/test.sh); each test asserts what reaches the file exporter.
/// Serialized: each starts a Python interpreter with heavy imports, and CI has two cores.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct EndToEndTests {

    struct Run {
        var app: CollectorApp
        var events: [JSONValue]
        func of(_ type: String) -> [JSONValue] { events.filter { $0["type"]?.stringValue == type } }
    }

    /// Starts the collector with `receiverExtras` under the HTTP protocol, runs `client` with the
    /// bound port, waits until `expectedSpans` were exported, shuts down gracefully, reads the files.
    /// `exporter`: the exporters section's one entry (`id: {settings}`) instead of the file exporter.
    func run(
        expectedSpans: Int, receiverExtras: String = "", processors: String = "environment: {value: e2e}",
        order: [String]? = nil, exporter: (id: String, yaml: String)? = nil, transport: String = "http",
        client: @Sendable (Int) async throws -> (Int32, String)
    ) async throws -> Run {
        let chain = (order ?? (processors.contains("memory_limiter") ? ["memory_limiter"] : []) + ["environment"]) + ["batch"]
        // Made Scripts.here, so that listing it below cannot fail for a reason that hides a missing export.
        let dir = NSTemporaryDirectory() + "genai-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = """
            receivers: {otlp: {protocols: {\(transport): {endpoint: "127.0.0.1:0"\(receiverExtras)}}}}
            processors:
              \(processors)
              batch: {timeout: 100ms}
            exporters:
              \(exporter?.yaml ?? "file/out: {directory: \"\(dir)\"}")
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [\(chain.joined(separator: ", "))], exporters: [\(exporter?.id ?? "file/out")]}}
            """
        let app = CollectorApp(config: try CollectorConfig(try ConfigLoader().load(["yaml:" + yaml])), logger: Logger(label: "e2e"))
        let port = PortBox()
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.run(shutdownSignals: []) { name, p in if name == "otlp/\(transport)" { port.set(p) } } }
                #expect(try await eventually { port.value != nil && app.readiness.isReady })
                let bound = port.value ?? 0
                // The client runs in this test's task (its blocking calls go through offPool), so its
                // expectations are recorded against this test.
                let (status, output) = try await client(bound)
                #expect(status == 0, "client: \(output)")
                #expect(
                    try await eventually { app.counters.total(.exporterSentSpans) >= expectedSpans },
                    "sent \(app.counters.total(.exporterSentSpans)) of \(expectedSpans); client said: \(output)")
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(app.counters.total(.exporterSentSpans) == expectedSpans, "exactly what the client sent, once")
        var events: [JSONValue] = []
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        for f in files where f.hasSuffix(".jsonl") {
            for line in try String(contentsOfFile: dir + "/" + f, encoding: .utf8).split(separator: "\n") {
                events.append(try JSONParser().parse(String(line)))
            }
        }
        return Run(app: app, events: events)
    }

    @Test(arguments: [("http", "none"), ("http", "gzip"), ("grpc", "none"), ("grpc", "gzip")])
    func openTelemetrySDKExporter(_ transport: String, _ compression: String) async throws {
        let r = try await run(
            expectedSpans: 12, processors: "environment: {from_attribute: deployment.environment.name, value: e2e}",
            transport: transport
        ) { port in
            let endpoint = transport == "grpc" ? "127.0.0.1:\(port)" : "http://127.0.0.1:\(port)/v1/traces"
            return try await Scripts.py("send_spans.py", [endpoint, compression, "4", transport])
        }
        #expect(r.app.counters.value(.receiverAcceptedSpans, ["receiver": "otlp", "transport": transport]) == 12)
        #expect(r.app.counters.total(.receiverAcceptedSpans) == 12)
        // The resource names an environment, so the processor kept every span's.
        #expect(r.app.counters.value(.processorOutcomes, ["processor": "environment", "outcome": "kept"]) == 12)
        #expect(r.of("agent-create").count == 4 && r.of("generation-create").count == 4 && r.of("tool-create").count == 4)
        let traces = r.of("trace-create")
        #expect(Set(traces.compactMap { $0["body"]?["id"]?.stringValue }).count == 4)
        #expect(traces.allSatisfy { $0["body"]?["userId"]?.stringValue == "user-7" })
        #expect(Set(traces.compactMap { $0["body"]?["sessionId"]?.stringValue }) == ["session-0", "session-1", "session-2", "session-3"])
        let generation = try #require(r.of("generation-create").first?["body"])
        #expect(generation["model"]?.stringValue == "gpt-4o-2024-08-06")
        #expect(generation["usageDetails"] == (try JSONParser().parse(#"{"input":100,"output":30,"total":150,"input_cached_tokens":20}"#)))
        #expect(generation["input"] == .string(#"[{"role": "user", "content": "Plan my day"}]"#))
        // The resource already names the environment (Staging): the processor keeps it and the
        // translator normalises it.
        #expect(r.events.allSatisfy { $0["body"]?["environment"]?.stringValue == "staging" })
        // GenAI series: observations by type, tokens by model/environment/type/bucket.
        #expect(r.app.counters.value(.observations, ["type": "generation", "environment": "staging"]) == 4)
        #expect(
            r.app.counters.value(
                .tokens,
                [
                    "model": "gpt-4o-2024-08-06", "environment": "staging",
                    "observation_type": "generation", "agent": "none", "usage": "input",
                ]) == 400)
        #expect(
            r.app.counters.value(
                .tokens,
                [
                    "model": "gpt-4o-2024-08-06", "environment": "staging",
                    "observation_type": "generation", "agent": "none", "usage": "input_cached_tokens",
                ]) == 80)
    }

    /// Over gRPC, malformed data is INVALID_ARGUMENT and an empty request is a valid no-op.
    @Test func grpcStatusCodes() async throws {
        let r = try await run(expectedSpans: 0, transport: "grpc") { port in
            let bad = try await Scripts.py("grpc_raw.py", ["--expect", "INVALID_ARGUMENT", "127.0.0.1:\(port)", "0affffffff0f"])
            #expect(bad.0 == 0 && bad.1.hasPrefix("INVALID_ARGUMENT invalid OTLP trace request"), "\(bad.1)")
            let empty = try await Scripts.py("grpc_raw.py", ["--expect", "OK", "127.0.0.1:\(port)", ""])
            #expect(empty.0 == 0 && empty.1.hasPrefix("OK"), "\(empty.1)")
            return empty
        }
        #expect(r.events.isEmpty)
    }

    /// A real gRPC client compressing its message with deflate, then gzip (`grpc-encoding`): both read.
    @Test func grpcCompressedMessages() async throws {
        let hex = try FixtureFiles.bytes("openinference_openai_3chats.otlp.pb").map { String(format: "%02x", $0) }.joined()
        let r = try await run(expectedSpans: 6, transport: "grpc") { port in
            for compression in ["deflate", "gzip"] {
                let sent = try await Scripts.py("grpc_raw.py", ["--expect", "OK", "--compression", compression, "127.0.0.1:\(port)", hex])
                #expect(sent.0 == 0, "\(compression): \(sent.1)")
            }
            return (0, "")
        }
        #expect(r.of("generation-create").count == 6)
    }

    @Test func grpcAuthentication() async throws {
        _ = try await run(expectedSpans: 0, receiverExtras: ", auth: {bearer_tokens: [t0ken]}", transport: "grpc") { port in
            let none = try await Scripts.py("grpc_raw.py", ["--expect", "UNAUTHENTICATED", "127.0.0.1:\(port)", ""])
            #expect(none.0 == 0 && none.1.hasPrefix("UNAUTHENTICATED"), "\(none.1)")
            let wrong = try await Scripts.py("grpc_raw.py", ["--expect", "UNAUTHENTICATED", "127.0.0.1:\(port)", "", "Bearer nope"])
            #expect(wrong.0 == 0 && wrong.1.hasPrefix("UNAUTHENTICATED"), "\(wrong.1)")
            let good = try await Scripts.py("grpc_raw.py", ["--expect", "OK", "127.0.0.1:\(port)", "", "Bearer t0ken"])
            #expect(good.0 == 0 && good.1.hasPrefix("OK"), "\(good.1)")
            return good
        }
    }

    /// TLS from PEM files on both transports, checked with real clients (curl, grpcio).
    @Test(arguments: ["http", "grpc"])
    func tls(_ transport: String) async throws {
        let dir = NSTemporaryDirectory() + "genai-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try Scripts.command([
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
        ])
        #expect(made.0 == 0, "\(made.1)")
        let tls = ", tls: {cert_file: \"\(dir)/cert.pem\", key_file: \"\(dir)/key.pem\"}"
        let capture = Scripts.here.deletingLastPathComponent().appendingPathComponent("Fixtures/openinference_openai_3chats.otlp.pb").path
        let r = try await run(expectedSpans: transport == "http" ? 3 : 0, receiverExtras: tls, transport: transport) { port in
            if transport == "http" {
                let plain = try await Scripts.cmd(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/v1/traces"])
                #expect(plain.1 != "200")  // plaintext is not served on a TLS port
                return try await Scripts.cmd([
                    "curl", "-sf", "--cacert", dir + "/cert.pem", "-H", "Content-Type: application/x-protobuf",
                    "--data-binary", "@" + capture, "https://127.0.0.1:\(port)/v1/traces",
                ])
            }
            let secure = try await Scripts.py("grpc_raw.py", ["--expect", "OK", "127.0.0.1:\(port)", ""], environment: ["GRPC_ROOT_CERT": dir + "/cert.pem"])
            #expect(secure.0 == 0 && secure.1.hasPrefix("OK"), "\(secure.1)")
            return secure
        }
        if transport == "http" { #expect(r.of("generation-create").count == 3) }
    }

    /// The issue's acceptance case through the running daemon and the real OTel SDK: an e-mail, a card
    /// number and an API key inside `gen_ai.input.messages` leave as valid JSON without any of the
    /// three; the authorization header is masked by key; the call is priced.
    @Test func redactionAndCostInferenceEndToEnd() async throws {
        let r = try await run(
            expectedSpans: 1,
            processors: """
                redaction: {mark_applied: true}
                  cost_inference: {}
                  environment: {value: e2e}
                """, order: ["redaction", "environment", "cost_inference"]
        ) { port in
            try await Scripts.py("send_pii.py", ["http://127.0.0.1:\(port)/v1/traces"])
        }
        let text = JSONWriter.serialize(.array(r.events))
        for secret in ["jane.doe@example.com", "4111 1111 1111 1111", "sk-proj-AbCdEf0123456789GhIjKlMnOp", "abcdefghijklmnop0123456789"] {
            #expect(!text.contains(secret), "\(secret) left the collector")
        }
        let generation = try #require(r.of("generation-create").first?["body"])
        let input = try #require(generation["input"])
        let messages = input.stringValue.flatMap { JSONParser.parseIfJSON($0) } ?? input
        #expect(messages.arrayValue?.count == 2, "still a JSON array of two messages: \(input)")
        #expect(text.contains("<EMAIL>") && text.contains("<CREDIT_CARD>") && text.contains("<OPENAI_KEY>"))
        // 1000 × 2.5e-6 + 200 × 1e-5
        #expect(abs((generation["costDetails"]?["total"]?.numberValue ?? 0) - 0.0045) < 1e-12)
        #expect(r.app.counters.value(.redactions, ["processor": "redaction", "rule": "email", "action": "mask"]) == 2)
        #expect(r.app.counters.value(.redactions, ["processor": "redaction", "rule": "deny_key", "action": "mask"]) == 1)
    }

    /// The ClickHouse pipeline with a real OTel client: spans land in Langfuse's v3 tables in a real
    /// ClickHouse engine (chDB behind the project's HTTP front, or CLICKHOUSE_URL), one row per span
    /// and per trace when read with FINAL, priced and tagged.
    @Test func openTelemetrySDKToClickHouse() async throws {
        let server = try await ClickHouseTestServer()
        defer { server.stop() }
        let database = "e2e_\(UInt32.random(in: 0...UInt32.max))"
        func sql(_ query: String) throws -> String {
            let (status, out) = try Scripts.command([
                "curl", "-s", "-S", "--fail-with-body", "-u", "\(server.user):\(server.password)",
                "--data-binary", query, server.url + "/",
            ])
            #expect(status == 0, "\(query): \(out)")
            return out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try sql("CREATE DATABASE IF NOT EXISTS \(database)")
        let clickhouse = """
            clickhouse: {endpoint: "\(server.url)", username: "\(server.user)", password: "\(server.password)", database: \(database), project_id: proj-e2e, create_schema: true}
            """
        _ = try await run(
            expectedSpans: 12, processors: "environment: {value: e2e}\n  cost_inference: {}",
            order: ["environment", "cost_inference"], exporter: ("clickhouse", clickhouse)
        ) { port in
            try await Scripts.py("send_spans.py", ["http://127.0.0.1:\(port)/v1/traces", "gzip", "4"])
        }
        #expect(try sql("SELECT count() FROM \(database).observations FINAL") == "12")
        #expect(try sql("SELECT count() FROM \(database).traces FINAL") == "4")
        #expect(
            try sql(
                "SELECT countIf(type = 'GENERATION' AND provided_model_name LIKE 'gpt-4o%' AND cost_details['total'] > 0 AND usage_details['total'] > 0 AND internal_model_id IS NOT NULL) FROM \(database).observations FINAL"
            ) == "4")
        #expect(try sql("SELECT countIf(type = 'AGENT') + countIf(type = 'TOOL') FROM \(database).observations FINAL") == "8")
        #expect(try sql("SELECT DISTINCT environment FROM \(database).observations FINAL") == "staging")
        #expect(try sql("SELECT countIf(user_id = 'user-7' AND project_id = 'proj-e2e') FROM \(database).traces FINAL") == "4")
    }

    /// A directory with a ~770 KB LLM-shaped request (`big`), and the 6 KB capture (`small`).
    static func bigAndSmallRequests() throws -> (dir: String, big: String, small: String) {
        let dir = NSTemporaryDirectory() + "genai-big-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let big = dir + "/big.pb"
        let bigBody: [UInt8] = try SampleRequests.llmShaped(spans: 300).serializedBytes()
        try Data(bigBody).write(to: URL(fileURLWithPath: big))
        return (dir, big, Scripts.here.deletingLastPathComponent().appendingPathComponent("Fixtures/openinference_openai_3chats.otlp.pb").path)
    }

    /// The real server: a body over the cap is 413; a request the memory limiter cannot admit is 503
    /// with Retry-After, and nothing of it is exported.
    @Test func oversizedBodiesAndPushback() async throws {
        let (dir, big, small) = try Self.bigAndSmallRequests()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        @Sendable func post(_ port: Int, _ file: String) async throws -> String {
            try await Scripts.cmd([
                "curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %header{retry-after}", "-H", "Content-Type: application/x-protobuf",
                "--data-binary", "@" + file, "http://127.0.0.1:\(port)/v1/traces",
            ]).1
        }
        let r = try await run(
            expectedSpans: 3, receiverExtras: ", max_request_body_size: 1048576",
            processors: "environment: {value: e2e}\n  memory_limiter: {limit_mib: 2, spike_limit_mib: 1}"
        ) { port in
            // 770 KB x 3 (decoded tables, translation) passes the 1 MiB admission budget: pushback.
            let refused = try await post(port, big)
            #expect(refused == "503 1", "\(refused)")
            #expect(try await post(port, small).hasPrefix("200"))
            return (0, "")
        }
        // Refused before decoding (the budget was already passed): counted per request, no spans decoded.
        #expect(r.app.counters.total(.receiverRefusedRequests) == 1)
        #expect(r.app.counters.total(.receiverRefusedSpans) == 0)
        #expect(r.of("generation-create").count == 3)
        let capped = try await run(expectedSpans: 0, receiverExtras: ", max_request_body_size: 4096") { port in
            let status = try await post(port, small)  // 6 KB
            #expect(status.hasPrefix("413"), "\(status)")
            return (0, "")
        }
        #expect(capped.events.isEmpty)
    }

    /// Over gRPC a request the memory limiter cannot admit is UNAVAILABLE (retryable, as OTLP says for
    /// back-pressure) and counted; a small one after it is taken.
    @Test func grpcPushbackIsUnavailable() async throws {
        let (dir, big, small) = try Self.bigAndSmallRequests()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await run(
            expectedSpans: 3, processors: "environment: {value: e2e}\n  memory_limiter: {limit_mib: 2, spike_limit_mib: 1}",
            transport: "grpc"
        ) { port in
            let refused = try await Scripts.py("grpc_raw.py", ["--expect", "UNAVAILABLE", "127.0.0.1:\(port)", "@" + big])
            #expect(refused.0 == 0, "\(refused.1)")
            let taken = try await Scripts.py("grpc_raw.py", ["--expect", "OK", "127.0.0.1:\(port)", "@" + small])
            #expect(taken.0 == 0, "\(taken.1)")
            return (0, "")
        }
        #expect(r.app.counters.value(.receiverRefusedRequests, ["receiver": "otlp", "transport": "grpc", "reason": "memory_limit"]) == 1)
        #expect(r.of("generation-create").count == 3)
    }

    /// A note the translator makes is counted by reason: an infinite time to first chunk is dropped
    /// (`completion_start_invalid`) and the span still arrives.
    @Test func translationNotesAreCounted() async throws {
        let body =
            #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"chat gpt-4o","startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"gen_ai.response.time_to_first_chunk","value":{"stringValue":"inf"}}]}]}]}]}"#
        let r = try await run(expectedSpans: 1) { port in
            try await Scripts.cmd(["curl", "-sf", "-H", "Content-Type: application/json", "--data-binary", body, "http://127.0.0.1:\(port)/v1/traces"])
        }
        #expect(r.app.counters.value(.translationNotes, ["reason": "completion_start_invalid"]) == 1)
        let generation = try #require(r.of("generation-create").first?["body"])
        #expect(generation["completionStartTime"] == nil)
    }

    /// The Langfuse SDK posts gzipped protobuf to its OTLP path with Basic auth.
    @Test func langfuseSDKPointedAtTheCollector() async throws {
        let auth = ", auth: {basic: [{username: pk-lf-test, password: sk-lf-test}]}"
        let r = try await run(expectedSpans: 3, receiverExtras: auth) { port in
            try await Scripts.py("langfuse_sdk.py", ["http://127.0.0.1:\(port)"])
        }
        #expect(Set(r.of("trace-create").compactMap { $0["body"]?["id"]?.stringValue }).count == 1)
        #expect(r.of("span-create").count == 1 && r.of("tool-create").count == 1 && r.of("generation-create").count == 1)
        let full = try #require(r.of("trace-create").first { $0["body"]?["name"] != nil }?["body"])
        #expect(full["userId"]?.stringValue == "user-42" && full["sessionId"]?.stringValue == "sess-7")
        #expect(full["tags"] == .array([.string("e2e"), .string("sdk")]))
        let generation = try #require(r.of("generation-create").first?["body"])
        #expect(generation["model"]?.stringValue == "gpt-4o-mini")
        #expect(generation["usageDetails"]?["input"] == .int(21) && generation["usageDetails"]?["total"] == .int(29))
        // The SDK sets its own environment; a span that names one keeps it.
        #expect(generation["environment"]?.stringValue == "e2e")
    }

    /// Credentials are checked: without them the SDK's export is refused and nothing arrives.
    @Test func langfuseSDKWithWrongCredentialsIsRefused() async throws {
        let auth = ", auth: {basic: [{username: pk-lf-other, password: secret}]}"
        let r = try await run(expectedSpans: 0, receiverExtras: auth) { port in
            try await Scripts.py("langfuse_sdk.py", ["http://127.0.0.1:\(port)"])
        }
        #expect(r.events.isEmpty)
        #expect(r.app.counters.total(.receiverAcceptedSpans) == 0)
        // The SDK did send: its requests arrived and were refused for their credentials.
        #expect(r.app.counters.value(.receiverRefusedRequests, ["receiver": "otlp", "transport": "http", "reason": "unauthenticated"]) >= 1)
    }

    /// openinference-instrumentation-openai around the real openai client, against a fake server.
    @Test func openInferenceInstrumentedOpenAIClient() async throws {
        let r = try await run(expectedSpans: 2) { port in
            try await Scripts.py("openinference_openai.py", ["http://127.0.0.1:\(port)/v1/traces"])
        }
        let generations = r.of("generation-create").compactMap { $0["body"] }
        #expect(generations.count == 2)
        for g in generations {
            #expect(g["model"]?.stringValue == "gpt-4o-mini-2024-07-18")
            #expect(g["usageDetails"]?["input"] == .int(17) && g["usageDetails"]?["input_cached_tokens"] == .int(4))
            #expect(g["input"]?.arrayValue?.last?["role"] == .string("user"))
            #expect(g["output"]?.arrayValue?.first?["content"] == .string("The capital of France is Paris."))
        }
        #expect(generations.contains { $0["completionStartTime"] != nil })  // the streamed call
        #expect(generations.contains { $0["modelParameters"]?["temperature"] == .double(0.2) })
    }
}

final class PortBox: Sendable {
    private let port = Mutex<Int?>(nil)
    func set(_ p: Int) { port.withLock { $0 = p } }
    var value: Int? { port.withLock { $0 } }
}
