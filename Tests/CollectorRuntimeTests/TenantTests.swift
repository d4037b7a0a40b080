import CollectorCore
@testable import CollectorRuntime
@testable import ExporterHelper
import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// Tenants bound to their credentials: one gateway, two teams, each with its own Langfuse project
/// (a contract server that accepts only that team's keys) and ClickHouse `project_id`. The
/// `routing` connector sends each request to its tenant's pipeline; a claim in the data never moves
/// it; an unknown token gets 401; the tenants file, a mounted secret, is reloaded when it changes.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct TenantTests {
    static func body(traces: [String], claim: String? = nil) -> String {
        let claimAttr = claim.map { #",{"key":"langfuse.project","value":{"stringValue":"\#($0)"}}"# } ?? ""
        let spans = traces.map { t in
            #"{"traceId":"\#(t)","spanId":"1\#(t.suffix(15))","name":"chat gpt-4o-mini","kind":3,"startTimeUnixNano":"1764400000000000000","endTimeUnixNano":"1764400001000000000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"100"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"20"}}]}"#
        }
        return
            #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"team-app"}}\#(claimAttr)]},"scopeSpans":[{"scope":{"name":"t"},"spans":[\#(spans.joined(separator: ","))]}]}]}"#
    }

    static func post(_ port: Int, token: String, _ body: String) async throws -> Int {
        let r = try await HTTPTransport(tls: nil).send(
            .POST, "http://127.0.0.1:\(port)/v1/traces", headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
            body: Array(body.utf8), timeout: .seconds(10))
        return Int(r.status)
    }

    static func trace(_ prefix: String, _ n: Int) -> String { prefix + String(format: "%024x", n) }

    /// `durable`: every sink queues on disk (the GenAI series, per tenant too, then come from the queues as they send).
    @Test(arguments: [false, true]) func eachTenantLandsInItsOwnProjectsOnly(durable: Bool) async throws {
        let clickhouse = try await ClickHouseTestServer()
        defer { clickhouse.stop() }
        let langfuseA = try await LangfuseTestServer()
        defer { langfuseA.stop() }
        let langfuseB = try await LangfuseTestServer()
        defer { langfuseB.stop() }
        // Each project accepts only its own keys: a request routed to the wrong one is refused there.
        for (server, key) in [(langfuseA, "a"), (langfuseB, "b")] {
            let r = try await HTTPTransport(tls: nil).send(
                .POST, server.url + "/__control/keys", headers: [("Content-Type", "application/json")],
                body: Array(#"[["pk-\#(key)", "sk-\#(key)"]]"#.utf8), timeout: .seconds(5))
            #expect(r.status == 200)
        }
        let database = "tenants_\(UInt32.random(in: 0...UInt32.max))"
        func sql(_ query: String) throws -> String {
            let (status, out) = try Scripts.command([
                "curl", "-s", "-S", "--fail-with-body", "-u", "\(clickhouse.user):\(clickhouse.password)", "--data-binary", query, clickhouse.url + "/",
            ])
            #expect(status == 0, "\(query): \(out)")
            return out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try sql("CREATE DATABASE IF NOT EXISTS \(database)") == "")
        let tenants = try SecretMount(["tenants.json": #"{"team-a": {"bearer_tokens": ["tok-a"]}, "team-b": {"bearer_tokens": ["tok-b"]}}"#])
        defer { tenants.remove() }
        let queue = NSTemporaryDirectory() + "genai-tenant-queue-\(UUID().uuidString)"
        defer { removeTestFiles(queue) }
        let disk = durable ? ", sending_queue: {storage: disk, directory: \"\(queue)\"}" : ""
        func sinks(_ t: String, _ langfuse: LangfuseTestServer) -> String {
            """
              clickhouse/\(t): {endpoint: "\(clickhouse.url)", username: "\(clickhouse.user)", password: "\(clickhouse.password)", database: \(database), project_id: proj-\(t), create_schema: true, timeout: 30s\(disk)}
              langfuse/\(t): {host: "\(langfuse.url)", public_key: pk-\(t), secret_key: sk-\(t), timeout: 30s\(disk)}
            """
        }
        let yaml = """
            receivers:
              otlp:
                protocols:
                  http: {endpoint: "127.0.0.1:0", auth: {tenants: "${file:\(tenants.dir)/tenants.json}"}}
                  grpc: {endpoint: "127.0.0.1:0", auth: {tenants: "${file:\(tenants.dir)/tenants.json}"}}
            processors: {batch: {timeout: 100ms}}
            exporters:
            \(sinks("a", langfuseA))
            \(sinks("b", langfuseB))
            connectors:
              routing:
                attribute: langfuse.project
                table: [{tenant: team-a, pipelines: [traces/a]}, {tenant: team-b, pipelines: [traces/b]}]
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines:
                traces/in: {receivers: [otlp], exporters: [routing]}
                traces/a: {receivers: [routing], processors: [batch], exporters: [clickhouse/a, langfuse/a]}
                traces/b: {receivers: [routing], processors: [batch], exporters: [clickhouse/b, langfuse/b]}
            """
        let a = (0..<3).map { Self.trace("aaaaaaaa", $0) }
        let b = (0..<2).map { Self.trace("bbbbbbbb", $0) }
        try await CollectorHarness.with([yaml]) { running in
            let gw = running[0]
            let port = gw.port("otlp/http")
            #expect(try await Self.post(port, token: "tok-a", Self.body(traces: Array(a[0..<2]))) == 200)
            // Tenant A's token, the data claiming tenant B: it stays A's.
            #expect(try await Self.post(port, token: "tok-a", Self.body(traces: [a[2]], claim: "team-b")) == 200)
            #expect(try await Self.post(port, token: "tok-b", Self.body(traces: b)) == 200)
            #expect(try await Self.post(port, token: "tok-nobody", Self.body(traces: [Self.trace("cccccccc", 0)])) == 401)
            #expect(try await Self.post(port, token: "", Self.body(traces: [Self.trace("cccccccc", 1)])) == 401)
            // Over gRPC with the real OpenTelemetry SDK: one agent trace of 3 spans as team B; none with an unknown token.
            let grpc = "127.0.0.1:\(gw.port("otlp/grpc"))"
            let viaGRPC = try await offPool {
                try Scripts.python("send_spans.py", [grpc, "gzip", "1", "grpc"], environment: ["OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20tok-b"])
            }
            #expect(viaGRPC.0 == 0, "\(viaGRPC.1)")
            let refused = try await offPool {
                try Scripts.python("send_spans.py", [grpc, "gzip", "1", "grpc"], environment: ["OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20tok-x"])
            }
            #expect(refused.0 != 0)
            for (exporter, n) in [("clickhouse/a", 3), ("langfuse/a", 3), ("clickhouse/b", 5), ("langfuse/b", 5)] {
                let sent = try await eventually(60) { gw.counters.value(.exporterSentSpans, ["exporter": exporter]) == n }
                #expect(sent, "\(exporter)")
            }
            let c = gw.counters
            #expect(c.value(.tenantSpans, ["connector": "routing", "tenant": "team-a", "outcome": "accepted"]) == 3)
            #expect(c.value(.tenantSpans, ["connector": "routing", "tenant": "team-b", "outcome": "accepted"]) == 5)
            #expect(c.value(.tenantClaims, ["connector": "routing", "tenant": "team-a", "outcome": "conflict"]) == 1)
            #expect(c.value(.receiverRefusedRequests, ["receiver": "otlp", "transport": "http", "reason": "unauthenticated"]) == 2)
            #expect(c.value(.receiverRefusedRequests, ["receiver": "otlp", "transport": "grpc", "reason": "unauthenticated"]) >= 1)
            // Team B's tokens: 240 over HTTP, and the SDK trace's chat call.
            #expect(c.value(.tenantTokens, ["tenant": "team-a"]) == 360 && c.value(.tenantTokens, ["tenant": "team-b"]) > 240)
            #expect(c.total(.droppedSpans) == 0)
        }
        // ClickHouse: each trace under its tenant's project_id, and nowhere else.
        let rows = try sql("SELECT project_id, trace_id FROM \(database).observations FINAL ORDER BY trace_id FORMAT TSV")
            .split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(Set(rows.filter { $0[0] == "proj-a" }.map { $0[1] }) == Set(a), "\(rows)")
        let inB = rows.filter { $0[0] == "proj-b" }.map { $0[1] }
        #expect(inB.count == 5 && Set(b).isSubset(of: Set(inB)) && Set(inB).isDisjoint(with: Set(a)), "\(rows)")
        #expect(rows.count == 8)
        // Langfuse: each project got its tenant's spans only, under its own keys.
        for (server, expected, key) in [(langfuseA, Set(a), "pk-a"), (langfuseB, Set(inB), "pk-b")] {
            let received = try JSONParser().parse(try Scripts.command(["curl", "-s", server.url + "/__control/received"]).1)
            let traces = Set((received["spans"]?.arrayValue ?? []).compactMap { $0["trace_id"]?.stringValue })
            #expect(traces == expected, "\(server.url)")
            let keys = (received["by_public_key"]?.objectValue ?? []).map(\.key)
            #expect(keys == [key])
        }
    }

    /// The tenants file is a mounted secret: rotating it moves a tenant to its new token within
    /// seconds, without a restart, and the old token is refused.
    @Test func aRotatedTenantsFileTakesEffectWithoutARestart() async throws {
        let tenants = try SecretMount(["tenants.json": #"{"team-a": {"bearer_tokens": ["old-a"]}}"#])
        defer { tenants.remove() }
        let out = NSTemporaryDirectory() + "genai-tenants-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let yaml = """
            receivers:
              otlp: {protocols: {http: {endpoint: "127.0.0.1:0", auth: {tenants: "${file:\(tenants.dir)/tenants.json}"}}}}
            exporters: {file/a: {directory: "\(out)"}}
            connectors: {routing: {table: [{tenant: team-a, pipelines: [traces/a]}]}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines:
                traces/in: {receivers: [otlp], exporters: [routing]}
                traces/a: {receivers: [routing], exporters: [file/a]}
            """
        let collector = try await CollectorProcess(yaml: yaml, servers: ["otlp/http", "metrics"])
        defer { collector.stop() }
        let port = collector.port("otlp/http")
        #expect(try await Self.post(port, token: "old-a", Self.body(traces: [Self.trace("dddddddd", 0)])) == 200)
        try tenants.update(["tenants.json": #"{"team-a": {"bearer_tokens": ["new-a"]}}"#])
        let moved = try await eventually(30) {
            (try? await Self.post(port, token: "new-a", Self.body(traces: [Self.trace("dddddddd", 1)]))) == 200
        }
        #expect(moved, "\(collector.output.suffix(2000))")
        #expect(try await Self.post(port, token: "old-a", Self.body(traces: [Self.trace("dddddddd", 2)])) == 401)
        let applied = try await CollectorProcess.requireMetric(collector.port("metrics"), "genai_collector_config_reloads_total{outcome=\"applied\"}")
        #expect(applied == 1)
    }

    @Test func routingIsCheckedAsItIsWritten() throws {
        func errors(_ connector: String, _ pipelines: String, auth: String = "{tenants: {team-a: {bearer_tokens: [t]}}}") -> String {
            let yaml = """
                receivers: {otlp: {protocols: {http: {auth: \(auth)}}}}
                processors: {batch: {}}
                exporters: {debug: {}}
                connectors: {routing: \(connector)}
                service: {pipelines: \(pipelines)}
                """
            do {
                return try CollectorConfig(try ConfigLoader().load(["yaml:" + yaml])).pipelines.isEmpty ? "no pipeline" : ""
            } catch {
                return "\(error)"
            }
        }
        let fine = "{traces/in: {receivers: [otlp], exporters: [routing]}, traces/a: {receivers: [routing], exporters: [debug]}}"
        let table = "{table: [{tenant: team-a, pipelines: [traces/a]}]}"
        #expect(errors(table, fine) == "")
        #expect(errors(table, fine, auth: #"{tenants: "{\"team-a\": {\"bearer_tokens\": [\"t\"]}}"}"#) == "")
        #expect(errors(table, fine, auth: #"{tenants: "not json"}"#).contains("JSON object"))
        #expect(errors(table, fine, auth: "{bearer_tokens: [t], tenants: {team-a: {bearer_tokens: [t]}}}").contains("given to both"))
        #expect(errors(table, fine, auth: "{tenants: {team-a: {}}}").contains("give the tenant bearer_tokens"))
        #expect(errors("{table: [{tenant: team-a, pipelines: [traces/x]}]}", fine).contains("traces/x, which is not defined"))
        #expect(
            errors(table, "{traces/in: {receivers: [otlp], exporters: [routing]}, traces/a: {receivers: [otlp], exporters: [debug]}}")
                .contains("does not list routing among its receivers"))
        #expect(
            errors(table, "{traces/in: {receivers: [otlp], processors: [batch], exporters: [routing]}, traces/a: {receivers: [routing], exporters: [debug]}}")
                .contains("batch holds data"))
        #expect(
            errors(table, "{traces/in: {receivers: [otlp], exporters: [routing, debug]}, traces/a: {receivers: [routing], exporters: [debug]}}")
                .contains("has no other exporter"))
        #expect(errors(table, "{traces/a: {receivers: [otlp], exporters: [debug]}}").contains("no pipeline ends in it"))
        #expect(errors("{table: []}", fine).contains("at least one tenant"))
    }
}
