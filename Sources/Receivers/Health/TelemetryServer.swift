import CollectorCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
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
    public static func health(
        _ config: HealthCheck.Config, readiness: Readiness, logger: Logger,
        onBound: @escaping @Sendable (Int) -> Void = { _ in }
    ) -> HTTPServer {
        HTTPServer(
            name: "health_check", endpoint: config.endpoint, maxBodyBytes: 0, logger: logger, onBound: onBound,
            headCheck: { head in check(head, auth: config.auth) }
        ) { request in
            switch request.path {
            case config.path, "/readyz":
                // Ready: every receiver listens and no drain has begun. A sink being down does not
                // count: the queues absorb it, and failing readiness would only move traffic around.
                return readiness.isReady
                    ? json(.ok, #"{"status":"Server available"}"#)
                    : json(.serviceUnavailable, #"{"status":"Server not available"}"#)
            case "/livez":
                return await eventLoopsAnswer(within: .seconds(2))
                    ? json(.ok, #"{"status":"alive"}"#)
                    : json(.serviceUnavailable, #"{"status":"an event loop did not answer within 2s"}"#)
            default:
                return .text(.notFound, "not found (health is at \(config.path), /livez and /readyz)")
            }
        }
    }

    static func json(_ status: HTTPResponseStatus, _ body: String) -> HTTPResponse {
        HTTPResponse(status, contentType: "application/json", body: Array(body.utf8))
    }

    /// Alive: this handler ran (the task pool answers) and every event loop the servers and clients
    /// share runs a no-op within `limit`. A loop stuck in blocking work fails it, and the kubelet
    /// restarts the pod.
    /// `group`: the servers' loops; a test passes its own, so its fault stalls no other test.
    static func eventLoopsAnswer(within limit: Duration, group: MultiThreadedEventLoopGroup = .singleton) async -> Bool {
        let loops = Array(group.makeIterator())
        // Not a task group: it would wait for a stuck loop's answer forever. The first of "all
        // answered" and the timer (on a dispatch queue, not on a loop that may be the stuck one) wins.
        let state = Mutex<(remaining: Int, done: Bool)>((loops.count, false))
        return await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            @Sendable func finish(_ alive: Bool) {
                let first = state.withLock { s in
                    if s.done { return false }
                    s.done = true
                    return true
                }
                if first { c.resume(returning: alive) }
            }
            for loop in loops {
                loop.execute {
                    if state.withLock({ s in
                        s.remaining -= 1; return s.remaining == 0
                    }) {
                        finish(true)
                    }
                }
            }
            let nanos = limit.nanoseconds
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanos))) { finish(false) }
        }
    }

    /// `pages`: other paths served beside `/metrics` (the live view), behind the same credentials.
    public static func metrics(
        _ endpoint: Endpoint, auth: AuthSource = AuthSource(nil), counters: Counters, logger: Logger,
        pages: @escaping @Sendable (String) -> HTTPResponse? = { _ in nil }, onBound: @escaping @Sendable (Int) -> Void = { _ in }
    ) -> HTTPServer {
        HTTPServer(
            name: "metrics", endpoint: endpoint, maxBodyBytes: 0, logger: logger, onBound: onBound,
            headCheck: { head in check(head, auth: auth.current) }
        ) { request in
            guard request.path == "/metrics" else { return pages(request.path) ?? .text(.notFound, "metrics are at /metrics") }
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

/// Prometheus text exposition of the counters: counters get `_total`, queue gauges do not; histograms
/// get `_bucket{le}` (cumulative), `_sum` and `_count`.
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
        for (key, h) in counters.histogramSnapshot() {
            let name = key.metric.rawValue
            if typed.insert(name).inserted { out += "# TYPE \(name) histogram\n" }
            let labels = key.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(escape($0.value))\"" }
            let bounds = key.metric.buckets.map { JSONWriter.javaScriptNumber($0) } + ["+Inf"]
            for (le, n) in zip(bounds, h.cumulative) {
                out += "\(name)_bucket{\((labels + ["le=\"\(le)\""]).joined(separator: ","))} \(n)\n"
            }
            let plain = labels.isEmpty ? "" : "{\(labels.joined(separator: ","))}"
            out += "\(name)_sum\(plain) \(JSONWriter.javaScriptNumber(h.sum))\n\(name)_count\(plain) \(h.count)\n"
        }
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
