/// The three OTLP signals. A `TraceBatch` carries one request of one of them: spans, log records,
/// or (passed through undecoded) metrics.
public enum Signal: String, Sendable, Hashable, CaseIterable, Comparable {
    case traces, logs, metrics

    public static func < (a: Signal, b: Signal) -> Bool { a.order < b.order }
    private var order: Int { Self.allCases.firstIndex(of: self)! }

    /// What one item of the signal is called in counts and messages ("spans", "log records", "data points").
    public var items: String {
        switch self {
        case .traces: return "spans"
        case .logs: return "log records"
        case .metrics: return "data points"
        }
    }
}

/// One OTLP log record. Variable-length parts are slices of the owning batch's tables, as for spans.
public struct LogRecord: Hashable, Sendable {
    public var timeUnixNano: UInt64 = 0
    public var observedTimeUnixNano: UInt64 = 0
    /// Raw `SeverityNumber`; unknown values are kept.
    public var severityNumber: Int32 = 0
    public var severityText: ByteRange = .empty
    /// nil when the record has no `body` field (an empty AnyValue is `.empty`).
    public var body: AttributeValue?
    public var attributes: TableSlice = .empty
    public var droppedAttributesCount: UInt32 = 0
    public var flags: UInt32 = 0
    /// nil when the record carries no trace context.
    public var traceID: TraceID?
    public var spanID: SpanID?
    public var eventName: ByteRange = .empty

    public init() {}
}
