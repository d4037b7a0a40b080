import Synchronization

/// Thread-safe counters and gauges keyed by metric and labels; the metrics endpoint reads them.
public final class Counters: Sendable {
    public struct Key: Hashable, Sendable {
        public var metric: MetricName
        public var labels: [String: String]
    }

    private let values = Mutex<[Key: Int]>([:])

    public init() {}

    public func add(_ metric: MetricName, _ n: Int, _ labels: [String: String] = [:]) {
        guard n != 0 else { return }
        values.withLock { $0[Key(metric: metric, labels: labels), default: 0] += n }
    }

    public func set(_ metric: MetricName, _ n: Int, _ labels: [String: String] = [:]) {
        values.withLock { $0[Key(metric: metric, labels: labels)] = n }
    }

    public func value(_ metric: MetricName, _ labels: [String: String] = [:]) -> Int {
        values.withLock { $0[Key(metric: metric, labels: labels)] ?? 0 }
    }

    /// The sum over every label set of a metric.
    public func total(_ metric: MetricName) -> Int {
        values.withLock { $0.filter { $0.key.metric == metric }.values.reduce(0, +) }
    }

    public func snapshot() -> [(Key, Int)] {
        values.withLock { Array($0) }.sorted { ($0.0.metric.rawValue, $0.0.labels.description) < ($1.0.metric.rawValue, $1.0.labels.description) }
    }
}
