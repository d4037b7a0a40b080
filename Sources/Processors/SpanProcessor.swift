import CollectorCore

/// A synchronous, in-place step over a batch (mapping, tagging, redaction ...). Time-driven stages
/// such as batching are services of the runtime instead.
public protocol SpanProcessor: Sendable {
    /// Processes the batch in place and reports what it did, by outcome.
    func process(_ batch: inout TraceBatch) -> ProcessorOutcome
}

/// A synchronous, in-place step over one whole trace: all its spans, in the shares of the requests
/// they came in. Over a single batch (the offline `process` command) it takes the batch as whole.
public protocol TraceProcessor: SpanProcessor {
    func process(trace parts: inout [TraceBatch]) -> ProcessorOutcome
}

extension TraceProcessor {
    public func process(_ batch: inout TraceBatch) -> ProcessorOutcome {
        var parts = [batch]
        batch = TraceBatch()
        defer { batch = parts[0] }
        return process(trace: &parts)
    }
}

/// Counts of what a processor did to a batch, by reason (exported as metrics by the runtime), plus
/// any series of the processor's own (e.g. unknown models by name).
public struct ProcessorOutcome: Sendable, Equatable {
    public var counts: [String: Int] = [:]
    public var metrics: [Counters.Key: Int] = [:]

    public init() {}

    public mutating func add(_ reason: String, _ n: Int = 1) { counts[reason, default: 0] += n }

    public mutating func add(_ metric: MetricName, _ labels: [String: String], _ n: Int = 1) {
        metrics[Counters.Key(metric, labels), default: 0] += n
    }

    public subscript(reason: String) -> Int { counts[reason] ?? 0 }
}

/// A compiled regular expression. A `Regex` is immutable once built, so sharing one across tasks is
/// safe even though `AnyRegexOutput` is not declared `Sendable`.
public struct CompiledPattern: @unchecked Sendable, Equatable {
    public let source: String
    private let regex: Regex<AnyRegexOutput>

    public init(_ source: String, path: String) throws(ConfigError) {
        do {
            regex = try Regex(source)
        } catch {
            throw ConfigError(path, "invalid regular expression '\(source)': \(error)")
        }
        self.source = source
    }

    /// Unanchored search, as the OpenTelemetry Collector's patterns behave.
    public func matches(_ text: String) -> Bool { (try? regex.firstMatch(in: text)) != nil }

    /// Every non-overlapping match, as UTF-8 byte offsets into `text`.
    public func byteRanges(in text: String) -> [Range<Int>] {
        text.matches(of: regex).compactMap { m in
            let r = m.range
            guard !r.isEmpty else { return nil }
            let start = text.utf8.distance(from: text.startIndex, to: r.lowerBound)
            return start..<(start + text.utf8.distance(from: r.lowerBound, to: r.upperBound))
        }
    }

    public static func == (a: CompiledPattern, b: CompiledPattern) -> Bool { a.source == b.source }
}

extension ConfigNode {
    /// A config scalar as an attribute-typed value: quoted text stays a string; plain `true`/`false`,
    /// integers and numbers take their type, as YAML would give them.
    public var typedScalar: TypedScalar? {
        guard case .scalar(let s, let quoted) = self else { return nil }
        if quoted { return .string(s) }
        if s == "true" { return .bool(true) }
        if s == "false" { return .bool(false) }
        if let i = Int64(s) { return .int(i) }
        if let d = Double(s), s.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return .double(d) }
        return .string(s)
    }
}

public enum TypedScalar: Sendable, Equatable {
    case string(String), bool(Bool), int(Int64), double(Double)
}
