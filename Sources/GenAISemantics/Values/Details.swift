import CollectorCore

/// An ordered map of usage or cost buckets. Canonical keys (`input`, `output`, `total`) come first
/// and the rest are sorted, so output is deterministic.
public struct Details<Value: Sendable & Equatable>: Sendable, Equatable {
    public private(set) var keys: [String] = []
    public private(set) var values: [Value] = []

    public init() {}

    public init(_ pairs: [(String, Value)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public var isEmpty: Bool { keys.isEmpty }
    public var count: Int { keys.count }

    public subscript(key: String) -> Value? {
        get { keys.firstIndex(of: key).map { values[$0] } }
        set {
            if let i = keys.firstIndex(of: key) {
                if let newValue { values[i] = newValue } else { keys.remove(at: i); values.remove(at: i) }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    /// Keys already unique and in canonical order (the translator's fast path).
    init(keys: [String], values: [Value]) {
        self.keys = keys
        self.values = values
    }

    public var pairs: [(String, Value)] { Array(zip(keys, values)) }

    /// Canonical order: input, output, total, then the other keys alphabetically.
    public func canonicalized() -> Details {
        let lead = ["input", "output", "total"]
        let rest = keys.filter { !lead.contains($0) }.sorted()
        var out = Details()
        for k in lead + rest { if let v = self[k] { out[k] = v } }
        return out
    }
}

extension Details where Value: AdditiveArithmetic {
    /// The `total` bucket, or the sum of the buckets when there is none: what one observation
    /// counts toward a trace's tokens or cost.
    public var overall: Value { self["total"] ?? values.reduce(.zero, +) }
}

public typealias UsageDetails = Details<Int64>
public typealias CostDetails = Details<Double>
