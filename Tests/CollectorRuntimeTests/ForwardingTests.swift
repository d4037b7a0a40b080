import CollectorCore
@testable import ExporterHelper
import Foundation
import TestSupport
import Testing

/// A sidecar forwarding to a gateway with the otlp_http and otlp_grpc exporters: the real OTel Python
/// SDK sends to the sidecar; the gateway (bearer auth) writes what arrives.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ForwardingTests {

    static func gateway(_ dir: String, http: Int = 0, grpc: Int = 0, metrics: Int = 0) -> String {
        """
        receivers:
          otlp:
            protocols:
              http: {endpoint: "127.0.0.1:\(http)", auth: {bearer_tokens: [gw-token]}}
              grpc: {endpoint: "127.0.0.1:\(grpc)", auth: {bearer_tokens: [gw-token]}}
        exporters:
          file/out: {directory: "\(dir)"}
        service:
          telemetry: {metrics: {address: "127.0.0.1:\(metrics)"}}
          pipelines: {traces: {receivers: [otlp], exporters: [file/out]}}
        """
    }

    /// A gateway process on the ports it binds (any free ones, unless given): (process, http, grpc, metrics).
    static func startGateway(_ dir: String, http: Int = 0, grpc: Int = 0) async throws -> (CollectorProcess, Int, Int, Int) {
        let g = try await CollectorProcess(yaml: gateway(dir, http: http, grpc: grpc), servers: ["otlp/http", "otlp/grpc", "metrics"])
        return (g, g.port("otlp/http"), g.port("otlp/grpc"), g.port("metrics"))
    }

    static let gatewaySent = "otelcol_exporter_sent_spans_total{exporter=\"file/out\"}"

    static func sidecar(_ exporter: String) -> String {
        """
        receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
        processors:
          environment: {value: sidecar-env, override: true}
          batch: {timeout: 100ms}
        exporters:
          \(exporter)
        service:
          telemetry: {metrics: {address: "127.0.0.1:0"}}
          pipelines: {traces: {receivers: [otlp], processors: [environment, batch], exporters: [\(exporter.prefix { $0 != ":" })]}}
        """
    }

    static func exporter(_ transport: String, port: Int, token: String) -> String {
        transport == "http"
            // A generous timeout: on a loaded machine a 5 s one expires after the gateway took the batch,
            // and the resend (at-least-once, as designed) would make the exact counts below fail.
            ? "otlp_http: {endpoint: \"http://127.0.0.1:\(port)\", timeout: 30s, headers: {authorization: \"Bearer \(token)\"}, retry_on_failure: {initial_interval: 100ms}}"
            : "otlp_grpc: {endpoint: \"127.0.0.1:\(port)\", timeout: 30s, tls: {insecure: true}, headers: {authorization: \"Bearer \(token)\"}, retry_on_failure: {initial_interval: 100ms}}"
    }

    /// `http-json`: OTLP/JSON to a full `traces_endpoint` (the gateway's Langfuse-compatible path).
    @Test(arguments: ["http", "grpc", "http-json"])
    func sidecarForwardsEnrichedSpansToTheGateway(_ transport: String) async throws {
        let dir = NSTemporaryDirectory() + "genai-gw-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (gateway, http, grpc, metrics) = try await Self.startGateway(dir)
        defer { gateway.stop() }
        let exporter =
            transport == "http-json"
            ? "otlp_http: {traces_endpoint: \"http://127.0.0.1:\(http)/api/public/otel/v1/traces\", encoding: json, timeout: 30s, headers: {authorization: \"Bearer gw-token\"}}"
            : Self.exporter(transport, port: transport == "http" ? http : grpc, token: "gw-token")
        try await CollectorHarness.with([Self.sidecar(exporter)]) { apps in
            let sc = apps[0]
            let url = "http://127.0.0.1:\(sc.port("otlp/http"))/v1/traces"
            let (status, out) = try await offPool { try Scripts.python("send_spans.py", [url, "none", "4"]) }
            #expect(status == 0, "\(out)")
            #expect(try await eventually { await CollectorProcess.metricIfPresent(metrics, Self.gatewaySent) == 12 }, "\(gateway.output)")
            #expect(sc.counters.total(.droppedSpans) == 0)
        }
        gateway.stop()
        let observations = try CollectorHarness.lines(dir).filter { $0["type"]?.stringValue != "trace-create" }
        #expect(observations.count == 12)
        // The sidecar's enrichment travelled with the spans.
        #expect(observations.allSatisfy { $0["body"]?["environment"]?.stringValue == "sidecar-env" })
    }

    @Test(arguments: ["http", "grpc"])
    func aRefusedTokenIsPermanentAndCounted(_ transport: String) async throws {
        let dir = NSTemporaryDirectory() + "genai-gw-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (gateway, http, grpc, metrics) = try await Self.startGateway(dir)
        defer { gateway.stop() }
        try await CollectorHarness.with([Self.sidecar(Self.exporter(transport, port: transport == "http" ? http : grpc, token: "wrong"))]) { apps in
            let sc = apps[0]
            let url = "http://127.0.0.1:\(sc.port("otlp/http"))/v1/traces"
            let (status, out) = try await offPool { try Scripts.python("send_spans.py", [url, "none", "2"]) }
            #expect(status == 0, "\(out)")
            let id = transport == "http" ? "otlp_http" : "otlp_grpc"
            #expect(try await eventually { sc.counters.value(.droppedSpans, ["exporter": id, "reason": "permanent_error"]) == 6 })
            #expect(sc.counters.value(.exporterSendFailedSpans, ["exporter": id]) == 6)
        }
        // The requests reached the gateway and were refused there, not lost on the way.
        let refused = "genai_collector_receiver_refused_requests_total{reason=\"unauthenticated\",receiver=\"otlp\",transport=\"\(transport)\"}"
        #expect(try await CollectorProcess.requireMetric(metrics, refused) >= 1)
        #expect(try await CollectorProcess.requireMetric(metrics, Self.gatewaySent) == 0)
    }

    @Test(arguments: ["http", "grpc"])
    func aGatewayThatIsDownIsRetriedUntilItComesUp(_ transport: String) async throws {
        let dir = NSTemporaryDirectory() + "genai-gw-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The sidecar must name the gateway's port before the gateway exists: held meanwhile, so
        // connecting is refused and no other process takes it.
        let reserved = try ReservedPort()
        try await CollectorHarness.with([Self.sidecar(Self.exporter(transport, port: reserved.port, token: "gw-token"))]) { apps in
            let sc = apps[0]
            let url = "http://127.0.0.1:\(sc.port("otlp/http"))/v1/traces"
            let (status, out) = try await offPool { try Scripts.python("send_spans.py", [url, "none", "2"]) }
            #expect(status == 0, "\(out)")
            // The gateway was really down (its port held, refusing connections): attempts failed and
            // were retried (waited for, not assumed after a fixed sleep: the machine may be busy).
            let id = transport == "grpc" ? "otlp_grpc" : "otlp_http"
            #expect(try await eventually { sc.counters.value(.exporterRetries, ["exporter": id]) > 1 })
            #expect(sc.counters.total(.droppedSpans) == 0 && sc.counters.total(.exporterSentSpans) == 0)
            // The gateway comes up; the retried batch arrives, once.
            reserved.release()
            let (gateway, _, _, metrics) =
                transport == "http"
                ? try await Self.startGateway(dir, http: reserved.port) : try await Self.startGateway(dir, grpc: reserved.port)
            defer { gateway.stop() }
            #expect(try await eventually { await CollectorProcess.metricIfPresent(metrics, Self.gatewaySent) == 6 }, "\(gateway.output)")
            // The sidecar counts the batch once the gateway's answer is back.
            #expect(try await eventually { sc.counters.total(.exporterSentSpans) == 6 })
            #expect(sc.counters.total(.droppedSpans) == 0)
        }
        #expect(try CollectorHarness.lines(dir).filter { $0["type"]?.stringValue != "trace-create" }.count == 6)
    }
}

/// The exporters' client TLS: a gateway serving TLS with a private CA's certificate, trusted through
/// `tls.ca_file`; without it the certificate is refused and nothing is delivered.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ForwardingTLSTests {
    @Test(arguments: ["http", "grpc"])
    func aPrivateCAIsTrustedThroughCAFile(_ transport: String) async throws {
        let dir = NSTemporaryDirectory() + "genai-gw-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try Scripts.command([
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
        ])
        #expect(made.0 == 0, "\(made.1)")
        let tls = "tls: {cert_file: \"\(dir)/cert.pem\", key_file: \"\(dir)/key.pem\"}"
        let gatewayYAML = """
            receivers:
              otlp:
                protocols:
                  http: {endpoint: "127.0.0.1:0", \(tls)}
                  grpc: {endpoint: "127.0.0.1:0", \(tls)}
            exporters:
              file/out: {directory: "\(dir)/out"}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], exporters: [file/out]}}
            """
        let gateway = try await CollectorProcess(yaml: gatewayYAML, servers: ["otlp/http", "otlp/grpc", "metrics"])
        defer { gateway.stop() }
        let (http, grpc, metrics) = (gateway.port("otlp/http"), gateway.port("otlp/grpc"), gateway.port("metrics"))
        func exporter(trusting: Bool) -> String {
            let ca = trusting ? "ca_file: \"\(dir)/cert.pem\"" : "insecure_skip_verify: false"
            return transport == "http"
                ? "otlp_http: {endpoint: \"https://127.0.0.1:\(http)\", tls: {\(ca)}, retry_on_failure: {max_elapsed_time: 1s, initial_interval: 100ms, max_interval: 200ms}}"
                : "otlp_grpc: {endpoint: \"https://127.0.0.1:\(grpc)\", tls: {\(ca)}, retry_on_failure: {max_elapsed_time: 1s, initial_interval: 100ms, max_interval: 200ms}}"
        }
        let id = transport == "http" ? "otlp_http" : "otlp_grpc"
        for trusting in [true, false] {
            try await CollectorHarness.with([ForwardingTests.sidecar(exporter(trusting: trusting))]) { apps in
                let sc = apps[0]
                let url = "http://127.0.0.1:\(sc.port("otlp/http"))/v1/traces"
                let (status, out) = try await offPool { try Scripts.python("send_spans.py", [url, "none", "1"]) }
                #expect(status == 0, "\(out)")
                if trusting {
                    #expect(try await eventually { sc.counters.value(.exporterSentSpans, ["exporter": id]) == 3 })
                } else {
                    // The system roots do not know this CA: retried, then dropped and counted.
                    #expect(try await eventually { sc.counters.value(.droppedSpans, ["exporter": id, "reason": "retries_exhausted"]) == 3 })
                }
            }
        }
        #expect(try await CollectorProcess.requireMetric(metrics, ForwardingTests.gatewaySent) == 3)
    }
}
