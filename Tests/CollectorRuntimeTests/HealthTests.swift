import CollectorCore
@testable import ExporterHelper
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing

/// The health endpoint as a Kubernetes probe sees it: 200 with `{"status":"Server available"}` once
/// every receiver listens; from SIGTERM on, 503 with `{"status":"Server not available"}` while the
/// collector drains what it holds; then the process exits 0.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct HealthTests {
    func get(_ port: Int, _ path: String = "/") async throws -> (code: String, body: String) {
        let out = try await offPool { try Scripts.command(["curl", "-s", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"]) }.1
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
    }

    @Test func readyWhileServingNotReadyWhileDraining() async throws {
        // The exporter's peer refuses connections, so the drain lasts until the drain deadline.
        let unreachable = try ReservedPort()
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            exporters:
              otlp_http: {endpoint: "http://127.0.0.1:\(unreachable.port)", timeout: 1s, retry_on_failure: {initial_interval: 100ms, max_interval: 200ms, max_elapsed_time: 0}}
            extensions: {health_check: {endpoint: "127.0.0.1:0"}}
            service:
              extensions: [health_check]
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], exporters: [otlp_http]}}
            """
        let collector = try await CollectorProcess(yaml: yaml, servers: ["otlp/http", "metrics", "health"])
        defer { collector.stop() }
        let health = collector.port("health")
        let ready = try await get(health)
        #expect(ready.code == "200" && ready.body == #"{"status":"Server available"}"#, "\(ready)")
        #expect(try await get(health, "/elsewhere").code == "404")
        #expect(try await get(health, "/readyz") == ("200", #"{"status":"Server available"}"#))
        #expect(try await get(health, "/livez") == ("200", #"{"status":"alive"}"#))
        let url = "http://127.0.0.1:\(collector.port("otlp/http"))/v1/traces"
        let (status, out) = try await offPool { try Scripts.python("send_spans.py", [url, "none", "1"]) }
        #expect(status == 0, "\(out)")
        #expect(
            try await eventually {
                (await CollectorProcess.metricIfPresent(collector.port("metrics"), "genai_collector_exporter_retries_total{exporter=\"otlp_http\"}") ?? 0) > 0
            })
        collector.process.terminate()  // SIGTERM: drain begins
        var draining: (code: String, body: String)?
        let deadline = ContinuousClock.now + .seconds(8)
        while ContinuousClock.now < deadline, collector.process.isRunning {
            let answer = try await get(health)
            if answer.code == "503" { draining = answer; break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(draining?.body == #"{"status":"Server not available"}"#, "\(String(describing: draining)); \(collector.output.suffix(2000))")
        // Draining is not dead: readiness fails, liveness holds (a restart now would cut the drain short).
        if collector.process.isRunning {
            let ready = try await get(health, "/readyz"), live = try await get(health, "/livez")
            #expect(!collector.process.isRunning || (ready.code == "503" && live.code == "200"), "\(ready) \(live)")
        }
        try await offPool { collector.process.waitForExit() }
        #expect(collector.process.terminationStatus == 0)
        #expect(collector.output.contains("shutdown_deadline") || collector.output.contains("dropped"), "\(collector.output.suffix(2000))")
    }

    /// `service.shutdown_timeout` bounds the drain (1 s here, against the 10 s default), and
    /// `telemetry.logs.encoding: json` makes every log line a JSON object, the drop included.
    @Test func theDrainDeadlineIsConfigurableAndLogsAreJSON() async throws {
        let unreachable = try ReservedPort()
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            exporters:
              otlp_http: {endpoint: "http://127.0.0.1:\(unreachable.port)", timeout: 1s, retry_on_failure: {initial_interval: 100ms, max_interval: 200ms, max_elapsed_time: 0}}
            service:
              shutdown_timeout: 1s
              telemetry: {metrics: {address: "127.0.0.1:0"}, logs: {encoding: json}}
              pipelines: {traces: {receivers: [otlp], exporters: [otlp_http]}}
            """
        let collector = try await CollectorProcess(yaml: yaml, servers: ["otlp/http", "metrics"])
        defer { collector.stop() }
        let url = "http://127.0.0.1:\(collector.port("otlp/http"))/v1/traces"
        let (status, out) = try await offPool { try Scripts.python("send_spans.py", [url, "none", "1"]) }
        #expect(status == 0, "\(out)")
        let retries = "genai_collector_exporter_retries_total{exporter=\"otlp_http\"}"
        #expect(try await eventually { (await CollectorProcess.metricIfPresent(collector.port("metrics"), retries) ?? 0) > 0 })
        let stopping = ContinuousClock.now
        collector.process.terminate()
        try await offPool { collector.process.waitForExit() }
        let drained = ContinuousClock.now - stopping
        #expect(collector.process.terminationStatus == 0)
        // The default deadline keeps this peer's batch for 10 s (the test above); an attempt that cannot
        // finish before the deadline is not started, so the drop may come before the second is up.
        #expect(drained < .seconds(8), "drained for \(drained) with a 1 s deadline")
        let lines = collector.output.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count >= 3)
        var parsed: [JSONValue] = []
        for line in lines {
            do { parsed.append(try JSONParser().parse(String(line))) } catch { Issue.record("not a JSON log line: \(line)") }
        }
        #expect(parsed.allSatisfy { $0["ts"]?.stringValue != nil && $0["level"]?.stringValue != nil && $0["msg"]?.stringValue != nil })
        #expect(
            parsed.contains { $0["reason"]?.stringValue == "shutdown_deadline" && $0["exporter"]?.stringValue == "otlp_http" },
            "\(collector.output.suffix(2000))")
    }

    /// As the image runs it, without root: accepted connections are served (a socket option that
    /// needs CAP_NET_ADMIN used to stop the server at the first connection).
    @Test func aNonRootCollectorServesConnections() async throws {
        try #require(getuid() == 0, "the suite runs as root (scripts/test.sh installs packages); this test drops to uid 65532")
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: "127.0.0.1:0"}}}}
            exporters: {debug: {}}
            extensions: {health_check: {endpoint: "127.0.0.1:0"}}
            service:
              extensions: [health_check]
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], exporters: [debug]}}
            """
        let collector = try await CollectorProcess(yaml: yaml, servers: ["otlp/http", "otlp/grpc", "metrics", "health"], asUser: 65532)
        defer { collector.stop() }
        for _ in 0..<3 { #expect(try await get(collector.port("health"), "/livez").code == "200", "\(collector.output.suffix(1000))") }
        let url = "http://127.0.0.1:\(collector.port("otlp/http"))/v1/traces"
        let (status, out) = try await offPool { try Scripts.python("send_spans.py", [url, "none", "1"]) }
        #expect(status == 0, "\(out)")
        let (grpcStatus, grpcOut) = try await offPool {
            try Scripts.python("send_spans.py", ["127.0.0.1:\(collector.port("otlp/grpc"))", "none", "1", "grpc"])
        }
        #expect(grpcStatus == 0, "\(grpcOut)")
        let sent = "otelcol_exporter_sent_spans_total{exporter=\"debug\"}"
        #expect(try await eventually { await CollectorProcess.metricIfPresent(collector.port("metrics"), sent) == 6 }, "\(collector.output.suffix(2000))")
        #expect(collector.process.isRunning)
    }
}
