import CollectorCore
@testable import ExporterHelper
import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5)))
struct ResourceDetectionTests {
    /// As the OpenTelemetry Operator runs a sidecar: `OTEL_RESOURCE_ATTRIBUTES` in the environment,
    /// `resourcedetection` with the env detector, and every span written carries the pod, namespace
    /// and node on its resource; a `resource` processor then edits them.
    @Test func operatorResourceAttributesReachEverySpan() async throws {
        let dir = NSTemporaryDirectory() + "genai-rd-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            processors:
              resourcedetection: {detectors: [env], override: false}
              resource: {actions: [{key: k8s.cluster.name, action: insert, value: oke-prod}]}
            exporters: {file: {directory: "\(dir)", format: otlp_json}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [resourcedetection, resource], exporters: [file]}}
            """
        let collector = try await CollectorProcess(
            yaml: yaml, servers: ["otlp/http", "metrics"],
            environment: [
                "OTEL_RESOURCE_ATTRIBUTES": "k8s.pod.name=chat-7d9f,k8s.namespace.name=payments,k8s.node.name=10.0.10.5"
            ])
        defer { collector.stop() }
        let url = "http://127.0.0.1:\(collector.port("otlp/http"))/v1/traces"
        let (status, out) = try await offPool { try Scripts.python("send_spans.py", [url, "none", "1"]) }
        #expect(status == 0, "\(out)")
        let sent = "otelcol_exporter_sent_spans_total{exporter=\"file\"}"
        let arrived = try await eventually { await CollectorProcess.metricIfPresent(collector.port("metrics"), sent) == 3 }
        let count = await CollectorProcess.metricIfPresent(collector.port("metrics"), sent)
        #expect(arrived, "\(String(describing: count)) \(collector.output.suffix(2000))")
        collector.stop()
        var resources = 0
        for request in try CollectorHarness.lines(dir) {
            for rs in request["resourceSpans"]?.arrayValue ?? [] {
                var attrs: [String: String] = [:]
                for a in rs["resource"]?["attributes"]?.arrayValue ?? [] {
                    if let k = a["key"]?.stringValue { attrs[k] = a["value"]?["stringValue"]?.stringValue }
                }
                #expect(attrs["k8s.pod.name"] == "chat-7d9f" && attrs["k8s.namespace.name"] == "payments" && attrs["k8s.node.name"] == "10.0.10.5", "\(attrs)")
                #expect(attrs["k8s.cluster.name"] == "oke-prod" && attrs["service.name"] != nil, "\(attrs)")
                resources += 1
            }
        }
        #expect(resources >= 1)
    }
}
