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

    /// Histograms by metric and labels (`observe`); their buckets are the metric's (`MetricName.buckets`).
    private let histograms = Mutex<[Key: Histogram]>([:])

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

    /// Adds one observation to a histogram series (cumulative buckets are built when rendered).
    public func observe(_ metric: MetricName, _ x: Double, _ labels: [String: String] = [:]) {
        observe([(Key(metric, labels), x)])
    }

    /// Many observations under one lock. A value that is not finite is ignored: a histogram's sum
    /// would be poisoned for good by one NaN.
    public func observe(_ batch: [(Key, Double)]) {
        guard !batch.isEmpty else { return }
        histograms.withLock { h in
            for (k, x) in batch where x.isFinite {
                let bounds = k.metric.buckets
                h[k, default: Histogram(buckets: bounds.count)].add(x, bounds: bounds)
            }
        }
    }

    /// A histogram series as it stands, nil before its first observation.
    public func histogram(_ metric: MetricName, _ labels: [String: String] = [:]) -> Histogram? {
        histograms.withLock { $0[Key(metric, labels)] }
    }

    public func histogramSnapshot() -> [(Key, Histogram)] {
        histograms.withLock { Array($0) }.sorted { ($0.0.metric.rawValue, $0.0.labels.description) < ($1.0.metric.rawValue, $1.0.labels.description) }
    }

    public func snapshot() -> [(Key, Double)] {
        values.withLock { Array($0) }.sorted { ($0.0.metric.rawValue, $0.0.labels.description) < ($1.0.metric.rawValue, $1.0.labels.description) }
    }
}

/// One histogram series: counts per bucket (not cumulative; the last counts values above every
/// bound), their sum and count.
public struct Histogram: Sendable, Equatable {
    public private(set) var counts: [UInt64]
    public private(set) var sum: Double = 0
    public private(set) var count: UInt64 = 0

    public init(buckets: Int) { counts = [UInt64](repeating: 0, count: buckets + 1) }

    public mutating func add(_ x: Double, bounds: [Double]) {
        // Bounds are few (≤ 20) and sorted: a linear scan beats a binary search at this size.
        var i = 0
        while i < bounds.count && x > bounds[i] { i += 1 }
        counts[i] += 1
        sum += x
        count += 1
    }

    /// Another histogram of the same buckets added in.
    public mutating func merge(_ o: Histogram) {
        guard o.counts.count == counts.count else { return }
        for i in counts.indices { counts[i] += o.counts[i] }
        sum += o.sum
        count += o.count
    }

    /// Counts at or below each bound, then the total (`le="+Inf"`), as Prometheus exposes them.
    public var cumulative: [UInt64] {
        var running: UInt64 = 0
        return counts.map {
            running += $0; return running
        }
    }

    /// The value below which a share `q` of observations fell, interpolated linearly inside its
    /// bucket (as Prometheus's `histogram_quantile`); nil when empty. Above the last bound it is
    /// the last bound.
    public func quantile(_ q: Double, bounds: [Double]) -> Double? {
        guard count > 0 else { return nil }
        let rank = q * Double(count)
        var below: UInt64 = 0
        for (i, n) in counts.enumerated() {
            if Double(below + n) >= rank && n > 0 {
                guard i < bounds.count else { return bounds.last }
                let lower = i == 0 ? 0 : bounds[i - 1]
                return lower + (bounds[i] - lower) * (rank - Double(below)) / Double(n)
            }
            below += n
        }
        return bounds.last
    }
}
