import Synchronization

/// Thread-safe counters and gauges keyed by metric and labels; the metrics endpoint reads them.
public final class Counters: Sendable {
    public struct Key: Hashable, Sendable {
        public var metric: MetricName
        public var labels: [String: String]

        public init(_ metric: MetricName, _ labels: [String: String]) {
            self.metric = metric
            self.labels = labels
        }
    }

    /// Doubles, so cost (fractional USD) is a counter like the rest; counts stay exact below 2^53.
    private let values = Mutex<[Key: Double]>([:])

    /// The values seen so far of each client-derived label (`bounded`).
    private let seenLabels = Mutex<[String: Set<String>]>([:])

    public init() {}

    /// `value` as the value of a label that clients choose (a model name, an environment, a usage
    /// key): itself for the first `limit` distinct values, then `other`, each such replacement
    /// counted in `genai_collector_metric_label_overflow_total{label}`. A client cannot grow
    /// `/metrics` without bound.
    public func bounded(_ label: String, _ value: String, limit: Int) -> String {
        let kept = seenLabels.withLock { seen -> Bool in
            if seen[label]?.contains(value) == true { return true }
            guard seen[label, default: []].count < limit else { return false }
            seen[label, default: []].insert(value)
            return true
        }
        if kept { return value }
        add(.labelOverflow, 1, ["label": label])
        return "other"
    }

    public func add(_ metric: MetricName, _ n: Int, _ labels: [String: String] = [:]) {
        add(metric, Double(n), labels)
    }

    public func add(_ metric: MetricName, _ x: Double, _ labels: [String: String] = [:]) {
        guard x != 0 else { return }
        values.withLock { $0[Key(metric, labels), default: 0] += x }
    }

    /// Adds many series under one lock.
    public func add(_ batch: [(Key, Double)]) {
        guard !batch.isEmpty else { return }
        values.withLock { for (k, x) in batch { $0[k, default: 0] += x } }
    }

    /// Makes a series visible at 0 before its first event, so a scrape tells "none yet" from
    /// "not exported" and `rate()` starts from a known value.
    public func declare(_ metric: MetricName, _ labels: [String: String] = [:]) {
        let key = Key(metric, labels)
        values.withLock { if $0[key] == nil { $0[key] = 0 } }
    }

    public func set(_ metric: MetricName, _ n: Int, _ labels: [String: String] = [:]) {
        values.withLock { $0[Key(metric, labels)] = Double(n) }
    }

    public func value(_ metric: MetricName, _ labels: [String: String] = [:]) -> Int {
        Int(values.withLock { $0[Key(metric, labels)] ?? 0 })
    }

    public func doubleValue(_ metric: MetricName, _ labels: [String: String] = [:]) -> Double {
        values.withLock { $0[Key(metric, labels)] ?? 0 }
    }

    /// The sum over every label set of a metric.
    public func total(_ metric: MetricName) -> Int {
        Int(values.withLock { $0.filter { $0.key.metric == metric }.values.reduce(0, +) })
    }

    public func snapshot() -> [(Key, Double)] {
        values.withLock { Array($0) }.sorted { ($0.0.metric.rawValue, $0.0.labels.description) < ($1.0.metric.rawValue, $1.0.labels.description) }
    }
}
