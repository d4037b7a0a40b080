import CollectorCore
import Logging
import NIOHTTP1
import Foundation
import Synchronization

/// Whether the pipelines run; the health endpoint reports it.
public final class Readiness: Sendable {
    private let ready = Atomic<Bool>(false)
    public init() {}
    public var isReady: Bool { ready.load(ordering: .acquiring) }
    public func set(_ value: Bool) { ready.store(value, ordering: .releasing) }
}

/// The health endpoint (as the collector's `health_check` extension, which Kubernetes probes) and
/// the Prometheus `/metrics` endpoint.
public enum TelemetryEndpoints {
    public static func health(_ config: HealthCheckConfig, readiness: Readiness, logger: Logger,
                              onBound: @escaping @Sendable (Int) -> Void = { _ in }) -> HTTPServer {
        HTTPServer(name: "health_check", endpoint: config.endpoint, maxBodyBytes: 0, logger: logger, onBound: onBound,
                   headCheck: { head in check(head, auth: config.auth) }) { request in
            guard request.path == config.path else { return .text(.notFound, "not found") }
            return readiness.isReady
                ? HTTPResponse(.ok, contentType: "application/json", body: Array(#"{"status":"Server available"}"#.utf8))
                : HTTPResponse(.serviceUnavailable, contentType: "application/json", body: Array(#"{"status":"Server not available"}"#.utf8))
        }
    }

    public static func metrics(_ endpoint: Endpoint, auth: AuthConfig? = nil, counters: Counters, logger: Logger,
                               onBound: @escaping @Sendable (Int) -> Void = { _ in }) -> HTTPServer {
        HTTPServer(name: "metrics", endpoint: endpoint, maxBodyBytes: 0, logger: logger, onBound: onBound,
                   headCheck: { head in check(head, auth: auth) }) { request in
            guard request.path == "/metrics" else { return .text(.notFound, "metrics are at /metrics") }
            return HTTPResponse(.ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(PrometheusText.render(counters).utf8))
        }
    }
}

extension TelemetryEndpoints {
    /// Credentials first; the body (there is none to read) never matters.
    static func check(_ head: HTTPRequestHead, auth: AuthConfig?) -> HTTPResponse? {
        guard let auth, !Credentials.accepts(Credentials.single(head.headers["authorization"]), auth) else { return nil }
        return .text(.unauthorized, "missing or invalid credentials", headers: [("WWW-Authenticate", "Bearer realm=\"genai-collector\"")])
    }
}

/// Prometheus text exposition of the counters: counters get `_total`, queue gauges do not.
enum PrometheusText {

    static func render(_ counters: Counters) -> String {
        var out = ""
        var typed = Set<String>()
        for (key, value) in counters.snapshot() {
            let gauge = key.metric.isGauge
            let name = key.metric.rawValue + (gauge ? "" : "_total")
            if typed.insert(name).inserted { out += "# TYPE \(name) \(gauge ? "gauge" : "counter")\n" }
            let labels = key.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(escape($0.value))\"" }.joined(separator: ",")
            let number = JSONWriter.javaScriptNumber(value)
            out += labels.isEmpty ? "\(name) \(number)\n" : "\(name){\(labels)} \(number)\n"
        }
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
