import CollectorCore
@testable import ExporterHelper
import Foundation
import TestSupport
import Testing

/// `pipelines/gateway.yaml` as shipped, its endpoints and credentials from the documented variables,
/// fed by the real OpenTelemetry SDK: the same traces land in ClickHouse (chDB behind the project's
/// front), in S3 (moto with signature checks) and at the Langfuse contract server.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct GatewayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Stored: Decodable {
        struct Object: Decodable {
            let key: String
            let lines: [Event]?
        }
        let objects: [Object]
    }

    struct Event: Decodable {
        struct Body: Decodable {
            let id: String?
            let traceId: String?
            let name: String?
            let model: String?
            let usageDetails: [String: Int]?
            let costDetails: [String: Double]?
        }
        let type: String
        let body: Body
    }

    struct Received: Decodable {
        struct Span: Decodable {
            let trace_id: String
            let span_id: String
            let attributes: [String: String]
        }
        let spans: [Span]
    }

    @Test(.timeLimit(.minutes(3)))
    func theSameTracesLandInClickHouseS3AndLangfuse() async throws {
        let clickhouse = try await ClickHouseTestServer()
        defer { clickhouse.stop() }
        let s3 = try await S3TestServer()
        defer { s3.stop() }
        let langfuse = try await LangfuseTestServer()
        defer { langfuse.stop() }
        let database = "gw_\(UInt32.random(in: 0...UInt32.max))"
        func sql(_ query: String) throws -> String {
            let (status, out) = try Scripts.command([
                "curl", "-s", "-S", "--fail-with-body", "-u", "\(clickhouse.user):\(clickhouse.password)",
                "--data-binary", query, clickhouse.url + "/",
            ])
            #expect(status == 0, "\(query): \(out)")
            return out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try sql("CREATE DATABASE IF NOT EXISTS \(database)")
        let storage = NSTemporaryDirectory() + "genai-gw-queue-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: storage) }
        let tokenFile = storage + "-token"
        try "gw-s3cret\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let env = [
            "GENAI_COLLECTOR_STORAGE": storage,
            "CLICKHOUSE_URL": clickhouse.url, "CLICKHOUSE_USER": clickhouse.user, "CLICKHOUSE_PASSWORD": clickhouse.password,
            "CLICKHOUSE_DB": database, "CLICKHOUSE_CREATE_SCHEMA": "true", "LANGFUSE_PROJECT_ID": "proj-gw",
            "S3_ENDPOINT": s3.endpoint, "S3_REGION": "us-east-1", "S3_BUCKET": s3.bucket, "S3_PREFIX": "raw", "S3_FORCE_PATH_STYLE": "true",
            "AWS_ACCESS_KEY_ID": s3.accessKeyID, "AWS_SECRET_ACCESS_KEY": s3.secretAccessKey, "S3_MAX_OBJECT_AGE": "300ms",
            "LANGFUSE_HOST": langfuse.url, "LANGFUSE_PUBLIC_KEY": langfuse.publicKey, "LANGFUSE_SECRET_KEY": langfuse.secretKey,
            "GATEWAY_GRPC_ENDPOINT": "127.0.0.1:0", "GATEWAY_HTTP_ENDPOINT": "127.0.0.1:0",
            "GATEWAY_HEALTH_ENDPOINT": "127.0.0.1:0", "GATEWAY_METRICS_ENDPOINT": "127.0.0.1:0",
            "GENAI_COLLECTOR_TOKEN_FILE": tokenFile, "GENAI_COLLECTOR_METRICS_TOKEN_FILE": tokenFile, "GATEWAY_TRACE_WAIT": "300ms",
        ]
        let yaml = try String(contentsOf: Self.root.appendingPathComponent("pipelines/gateway.yaml"), encoding: .utf8)
        try await CollectorHarness.with([yaml], environment: env) { apps in
            let gw = apps[0]
            let http = "http://127.0.0.1:\(gw.port("otlp/http"))/v1/traces", grpc = "127.0.0.1:\(gw.port("otlp/grpc"))"
            // The SDK's own header setting carries the gateway's token.
            let headers = ["OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20gw-s3cret"]
            let refused = try await offPool { try Scripts.python("send_spans.py", [http, "gzip", "1"]) }
            #expect(refused.0 != 0, "without the token the gateway refuses")
            let viaHTTP = try await offPool { try Scripts.python("send_spans.py", [http, "gzip", "3"], environment: headers) }
            #expect(viaHTTP.0 == 0, "\(viaHTTP.1)")
            let viaGRPC = try await offPool { try Scripts.python("send_spans.py", [grpc, "gzip", "1", "grpc"], environment: headers) }
            #expect(viaGRPC.0 == 0, "\(viaGRPC.1)")
            // One span carrying an e-mail address, a card number and an API key, for the redaction stage.
            let pii = try await offPool { try Scripts.python("send_pii.py", [http], environment: headers) }
            #expect(pii.0 == 0, "\(pii.1)")
            for exporter in ["clickhouse", "s3", "langfuse"] {
                #expect(try await eventually { gw.counters.value(.exporterSentSpans, ["exporter": exporter]) == 13 }, "\(exporter)")
            }
            #expect(gw.counters.value(.redactions, ["processor": "redaction", "rule": "email", "action": "mask"]) >= 1)
            #expect(gw.counters.total(.droppedSpans) == 0)
        }

        // ClickHouse, read with FINAL.
        let rows = try sql(
            """
            SELECT id, trace_id, name, type, ifNull(provided_model_name, ''), usage_details['total'], round(cost_details['total'], 9)
            FROM \(database).observations FINAL WHERE project_id = 'proj-gw' ORDER BY id FORMAT TSV
            """
        ).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 13)
        #expect(try sql("SELECT count() FROM \(database).traces FINAL") == "5")

        // S3: decodable objects under the documented keys, holding the translator's events.
        let (status, out) = try Scripts.python("../ExportersTests/s3_read.py", [s3.endpoint, s3.accessKeyID, s3.secretAccessKey, s3.bucket])
        #expect(status == 0, "\(out)")
        let stored = try JSONDecoder().decode(Stored.self, from: Data(out.utf8))
        let pattern = #/^raw/proj-gw/year=\d{4}/month=\d{2}/day=\d{2}/hour=\d{2}/[0-9a-f-]{36}\.jsonl\.gz$/#
        #expect(!stored.objects.isEmpty && stored.objects.allSatisfy { $0.key.wholeMatch(of: pattern) != nil })
        let events = stored.objects.flatMap { $0.lines ?? [] }
        let observations = events.filter { $0.type != "trace-create" }
        #expect(observations.count == 13 && Set(events.filter { $0.type == "trace-create" }.compactMap { $0.body.id }).count == 5)

        // The rows match the events field by field.
        let typeOf = ["generation-create": "GENERATION", "agent-create": "AGENT", "tool-create": "TOOL", "span-create": "SPAN"]
        let expected = observations.map { e -> [String] in
            let cost = String(format: "%.9f", e.body.costDetails?["total"] ?? 0)
            return [
                e.body.id ?? "", e.body.traceId ?? "", e.body.name ?? "", typeOf[e.type] ?? e.type, e.body.model ?? "",
                String(e.body.usageDetails?["total"] ?? 0), cost,
            ]
        }.sorted { $0[0] < $1[0] }
        let normalized = rows.map { r in r.enumerated().map { i, v in i == 6 ? String(format: "%.9f", Double(v) ?? -1) : v } }
        #expect(normalized == expected)

        // Langfuse: the same spans, by id, enriched with the gateway's cost and redaction marks.
        let answer = try Scripts.command(["curl", "-s", langfuse.url + "/__control/received"])
        let received = try JSONDecoder().decode(Received.self, from: Data(answer.1.utf8))
        #expect(Set(received.spans.map(\.span_id)) == Set(rows.map { $0[0] }))
        #expect(Set(received.spans.map(\.trace_id)) == Set(rows.map { $0[1] }))
        #expect(received.spans.filter { $0.attributes["langfuse.observation.cost_details"] != nil }.count == 5)
        // Exactly the one span that carried secrets is marked, and none of them left the gateway.
        let marked = received.spans.filter { $0.attributes["redaction.applied"] == "bool_value: true" }
        #expect(marked.count == 1, "\(received.spans.map(\.attributes))")
        let everything = received.spans.flatMap { $0.attributes.values }.joined(separator: "\n") + answer.1
        for secret in ["jane.doe@example.com", "4111 1111 1111 1111", "sk-proj-AbCdEf0123456789GhIjKlMnOp"] {
            #expect(!everything.contains(secret), "\(secret) reached Langfuse")
        }
    }
}
