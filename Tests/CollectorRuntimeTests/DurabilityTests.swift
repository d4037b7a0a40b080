import CollectorCore
@testable import ExporterHelper
import Exporters
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import SwiftProtobuf
import NIOHTTP1

/// `sending_queue.storage: disk` end to end with the real ClickHouse engine: what a client was told
/// is accepted survives `kill -9`, an outage of the sink, and is counted once after `FINAL`; a full
/// queue pushes back instead of crashing.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct DurabilityTests {

    static func collector(
        clickhouse url: String, user: String, password: String, database: String,
        queue: String, extraQueue: String = ""
    ) -> String {
        """
        receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
        processors:
          batch: {send_batch_size: 500, timeout: 200ms}
        exporters:
          clickhouse:
            endpoint: "\(url)"
            username: "\(user)"
            password: "\(password)"
            database: \(database)
            project_id: proj-durable
            create_schema: true
            timeout: 2s
            retry_on_failure: {initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0}
            sending_queue: {storage: disk, directory: "\(queue)", fsync: batch\(extraQueue)}
        service:
          telemetry: {metrics: {address: "127.0.0.1:0"}}
          pipelines: {traces: {receivers: [otlp], processors: [batch], exporters: [clickhouse]}}
        """
    }

    func sql(_ server: ClickHouseTestServer, _ query: String) throws -> String {
        let (status, out) = try Scripts.command([
            "curl", "-s", "-S", "--fail-with-body", "-u", "\(server.user):\(server.password)",
            "--data-binary", query, server.url + "/",
        ])
        #expect(status == 0, "\(query): \(out)")
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Fails the sink's next `n` statements with `status`, and checks that the front took the command.
    static func injectFailures(_ server: ClickHouseTestServer, n: Int, status: Int) async throws {
        try #require(server.injectsFaults, "this server cannot inject failures")
        let r = try await HTTPTransport(tls: nil).send(.POST, server.url + "/fail?n=\(n)&status=\(status)", headers: [], body: [], timeout: .seconds(5))
        #expect(r.status == 200 && r.text.contains("\"pending\": \(n)"), "\(r.status) \(r.text)")
    }

    /// How many failures the sink has served, and how many it still owes.
    static func failures(_ server: ClickHouseTestServer) async throws -> (served: Int, pending: Int) {
        let r = try await HTTPTransport(tls: nil).send(.GET, server.url + "/fail", headers: [], body: nil, timeout: .seconds(5))
        let json = try JSONParser().parse(r.text)
        return (Int(try #require(json["served"]?.numberValue)), Int(try #require(json["pending"]?.numberValue)))
    }

    /// A queue directory the collector (uid 65532, as in the image) can write into but not list —
    /// mode 0300 — would look empty, and new segments would overwrite the records in it. Start refuses.
    @Test func anUnreadableQueueDirectoryStopsTheStart() async throws {
        let base = NSTemporaryDirectory() + "genai-queue-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/otlp_http", withIntermediateDirectories: true)
        #expect(chown(base, 65532, 65532) == 0 && chown(base + "/otlp_http", 65532, 65532) == 0)
        #expect(chmod(base + "/otlp_http", 0o300) == 0)
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            exporters: {otlp_http: {endpoint: "http://127.0.0.1:1", sending_queue: {storage: disk, directory: "\(base)"}}}
            service: {telemetry: {metrics: {address: "127.0.0.1:0"}}, pipelines: {traces: {receivers: [otlp], exporters: [otlp_http]}}}
            """
        let (status, out) = try await offPool {
            // Under `timeout`: a collector that starts anyway is stopped, and fails the test (124).
            try spawnAndWait([
                "timeout", "20", "setpriv", "--reuid", "65532", "--regid", "65532", "--clear-groups", CollectorProcess.binary.path,
                "run", "--config", "yaml:" + yaml,
            ])
        }
        #expect(status == 1, "\(out)")
        #expect(out.contains("exporters.otlp_http.sending_queue.directory") && out.contains("cannot read the queue directory"), "\(out)")
    }

    @Test func whatWasAcknowledgedSurvivesKill9() async throws {
        let server = try await ClickHouseTestServer()
        defer { server.stop() }
        let database = "durable_\(UInt32.random(in: 0...UInt32.max))"
        _ = try sql(server, "CREATE DATABASE IF NOT EXISTS \(database)")
        let queue = NSTemporaryDirectory() + "genai-queue-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: queue) }
        // A port held and never listened on: ClickHouse there is unreachable (connection refused).
        let unreachable = try ReservedPort()
        let nobody = unreachable.port
        let sent = "otelcol_exporter_sent_spans_total{exporter=\"clickhouse\"}"
        let retries = "genai_collector_exporter_retries_total{exporter=\"clickhouse\"}"

        // 1. ClickHouse unreachable: the client's spans are acknowledged from the disk queue only.
        let first = try await CollectorProcess(
            yaml: Self.collector(
                clickhouse: "http://127.0.0.1:\(nobody)",
                user: server.user, password: server.password, database: database, queue: queue),
            servers: ["otlp/http", "metrics"])
        var (otlp, metrics) = (first.port("otlp/http"), first.port("metrics"))
        for _ in 0..<3 {
            let url = "http://127.0.0.1:\(otlp)/v1/traces"
            let (status, out) = try await offPool { try Scripts.python("send_spans.py", [url, "gzip", "10"]) }
            #expect(status == 0, "\(out)")
        }
        #expect(try await CollectorProcess.requireMetric(metrics, "otelcol_exporter_queue_size{exporter=\"clickhouse\"}") > 0)
        // What waits on disk is visible: its bytes, and the age of the oldest record.
        #expect(try await CollectorProcess.requireMetric(metrics, "genai_collector_persistent_queue_bytes{exporter=\"clickhouse\"}") > 0)
        #expect(try await CollectorProcess.requireMetric(metrics, "genai_collector_persistent_queue_oldest_record_age_seconds{exporter=\"clickhouse\"}") >= 0)
        // The outage is real: nothing was sent, and the sender has been failing and retrying.
        #expect(try await CollectorProcess.requireMetric(metrics, sent) == 0)
        #expect(try await eventually { (await CollectorProcess.metricIfPresent(metrics, retries) ?? 0) > 0 }, "\(first.output.suffix(2000))")
        // 2. kill -9: no shutdown, no flush.
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitForExit()
        // 2b. Started again with ClickHouse still down: 10 more traces, then a graceful stop, which
        // leaves what it could not send on disk.
        let again = try await CollectorProcess(
            yaml: Self.collector(
                clickhouse: "http://127.0.0.1:\(nobody)",
                user: server.user, password: server.password, database: database, queue: queue),
            servers: ["otlp/http", "metrics"])
        (otlp, metrics) = (again.port("otlp/http"), again.port("metrics"))
        let url = "http://127.0.0.1:\(otlp)/v1/traces"
        let (status, out) = try await offPool { try Scripts.python("send_spans.py", [url, "gzip", "10"]) }
        #expect(status == 0, "\(out)")
        again.stop()

        // 3. Restarted with ClickHouse reachable: everything acknowledged (120 spans) arrives, once.
        let second = try await CollectorProcess(
            yaml: Self.collector(
                clickhouse: server.url, user: server.user,
                password: server.password, database: database, queue: queue),
            servers: ["otlp/http", "metrics"])
        (otlp, metrics) = (second.port("otlp/http"), second.port("metrics"))
        defer { second.stop() }
        #expect(try await eventually(60) { await CollectorProcess.metricIfPresent(metrics, sent) == 120 }, "\(second.output.suffix(3000))")
        #expect(try await CollectorProcess.requireMetric(metrics, "genai_collector_persistent_queue_replayed_records_total{exporter=\"clickhouse\"}") > 0)
        #expect(try sql(server, "SELECT count() FROM \(database).observations FINAL") == "120")
        #expect(try sql(server, "SELECT count() FROM \(database).traces FINAL") == "40")
        second.stop()
        // Nothing is left to replay after a clean stop.
        let third = try await CollectorProcess(
            yaml: Self.collector(
                clickhouse: server.url, user: server.user,
                password: server.password, database: database, queue: queue),
            servers: ["otlp/http", "metrics"])
        (otlp, metrics) = (third.port("otlp/http"), third.port("metrics"))
        defer { third.stop() }
        #expect(try await CollectorProcess.requireMetric(metrics, "otelcol_exporter_queue_size{exporter=\"clickhouse\"}") == 0)
        #expect(try await CollectorProcess.requireMetric(metrics, "genai_collector_persistent_queue_bytes{exporter=\"clickhouse\"}") == 0)
    }

    @Test func anOutageOfTheSinkLosesAndDoublesNothing() async throws {
        let server = try await ClickHouseTestServer(faults: true)
        defer { server.stop() }
        let database = "outage_\(UInt32.random(in: 0...UInt32.max))"
        _ = try sql(server, "CREATE DATABASE IF NOT EXISTS \(database)")
        let queue = NSTemporaryDirectory() + "genai-queue-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: queue) }
        let collector = try await CollectorProcess(
            yaml: Self.collector(
                clickhouse: server.url, user: server.user,
                password: server.password, database: database, queue: queue),
            servers: ["otlp/http", "metrics"])
        let (otlp, metrics) = (collector.port("otlp/http"), collector.port("metrics"))
        defer { collector.stop() }
        // The sink fails the next 40 statements (about four seconds of retries) while the load goes on.
        try await Self.injectFailures(server, n: 40, status: 503)
        for _ in 0..<4 {
            let (status, out) = try await offPool { try Scripts.python("send_spans.py", ["http://127.0.0.1:\(otlp)/v1/traces", "none", "10"]) }
            #expect(status == 0, "\(out)")
        }
        let sent = "otelcol_exporter_sent_spans_total{exporter=\"clickhouse\"}"
        #expect(try await eventually(60) { await CollectorProcess.metricIfPresent(metrics, sent) == 120 }, "\(collector.output.suffix(3000))")
        // The outage happened: the sink served all 40 failures, and the collector retried.
        let failures = try await Self.failures(server)
        #expect(failures.served == 40 && failures.pending == 0, "\(failures)")
        #expect(try await CollectorProcess.requireMetric(metrics, "genai_collector_exporter_retries_total{exporter=\"clickhouse\"}") > 0)
        #expect(try sql(server, "SELECT count() FROM \(database).observations FINAL") == "120")
        #expect(try sql(server, "SELECT count() FROM \(database).traces FINAL") == "40")
        #expect(
            try await CollectorProcess.requireMetric(metrics, "genai_collector_dropped_spans_total{exporter=\"clickhouse\",reason=\"retries_exhausted\"}") == 0)
        // Translated once per span, on the way out (not at intake, not again per retry), and the
        // GenAI series counted once from that translation.
        #expect(try await CollectorProcess.requireMetric(metrics, "genai_collector_translated_spans_total") == 120)
        let scrape = try await HTTPTransport(tls: nil).send(.GET, "http://127.0.0.1:\(metrics)/metrics", headers: [], body: nil, timeout: .seconds(5))
        let observations = scrape.text.split(separator: "\n").filter { $0.hasPrefix("genai_collector_observations_total{") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
        #expect(observations == 120, "\(scrape.text.split(separator: "\n").filter { $0.contains("observations") })")
    }

    @Test func aFullQueuePushesBackAndTheCollectorStaysUp() async throws {
        let queue = NSTemporaryDirectory() + "genai-queue-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: queue) }
        let body = NSTemporaryDirectory() + "genai-body-\(UUID().uuidString).pb"
        defer { try? FileManager.default.removeItem(atPath: body) }
        // About 380 KB a request: the third does not fit in a 1 MiB queue.
        let bytes: [UInt8] = try SampleRequests.llmShaped(spans: 150).serializedBytes()
        #expect(bytes.count > 300_000 && bytes.count < 500_000)
        try Data(bytes).write(to: URL(fileURLWithPath: body))
        // A port held and never listened on: ClickHouse there is unreachable (connection refused).
        let unreachable = try ReservedPort()
        let nobody = unreachable.port
        let collector = try await CollectorProcess(
            yaml: Self.collector(
                clickhouse: "http://127.0.0.1:\(nobody)",
                user: "u", password: "p", database: "default", queue: queue,
                extraQueue: ", max_size_mib: 1"),
            servers: ["otlp/http", "metrics"])
        let (otlp, metrics) = (collector.port("otlp/http"), collector.port("metrics"))
        defer { collector.stop() }
        var answers: [String] = []
        for _ in 0..<4 {
            answers.append(
                try Scripts.command([
                    "curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %header{retry-after}", "-H",
                    "Content-Type: application/x-protobuf", "--data-binary", "@" + body,
                    "http://127.0.0.1:\(otlp)/v1/traces",
                ]).1)
        }
        #expect(answers[0].hasPrefix("200") && answers[1].hasPrefix("200"), "\(answers)")
        #expect(answers[2] == "503 5" && answers[3] == "503 5", "\(answers)")
        #expect(collector.process.isRunning)
        #expect(
            try await CollectorProcess.requireMetric(metrics, "genai_collector_persistent_queue_pushbacks_total{exporter=\"clickhouse\",reason=\"full\"}") == 2)
        #expect(try await CollectorProcess.requireMetric(metrics, "otelcol_exporter_queue_size{exporter=\"clickhouse\"}") == 2)
    }
}
