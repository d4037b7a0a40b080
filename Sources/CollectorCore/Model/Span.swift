/// One OTLP span. Variable-length parts are slices of the owning `TraceBatch`'s tables.
public struct Span: Hashable, Sendable {
    public var traceID: TraceID
    public var spanID: SpanID
    /// nil when the span has no parent (empty `parent_span_id`).
    public var parentSpanID: SpanID?
    public var traceState: ByteRange
    public var name: ByteRange
    /// Raw `SpanKind` value; unknown values are kept so re-encoding is faithful.
    public var kind: Int32
    public var startTimeUnixNano: UInt64
    public var endTimeUnixNano: UInt64
    public var attributes: TableSlice
    public var droppedAttributesCount: UInt32
    public var events: TableSlice
    public var droppedEventsCount: UInt32
    public var links: TableSlice
    public var droppedLinksCount: UInt32
    public var status: SpanStatus?
    public var flags: UInt32

    public init() {
        traceID = .zero
        spanID = .zero
        parentSpanID = nil
        traceState = .empty
        name = .empty
        kind = 0
        startTimeUnixNano = 0
        endTimeUnixNano = 0
        attributes = .empty
        droppedAttributesCount = 0
        events = .empty
        droppedEventsCount = 0
        links = .empty
        droppedLinksCount = 0
        status = nil
        flags = 0
    }
}

public struct SpanStatus: Hashable, Sendable {
    /// Raw `StatusCode`: 0 unset, 1 ok, 2 error.
    public var code: Int32
    public var message: ByteRange

    public static let errorCode: Int32 = 2

    public init(code: Int32 = 0, message: ByteRange = .empty) {
        self.code = code
        self.message = message
    }
}

public struct SpanEvent: Hashable, Sendable {
    public var timeUnixNano: UInt64 = 0
    public var name: ByteRange = .empty
    public var attributes: TableSlice = .empty
    public var droppedAttributesCount: UInt32 = 0

    public init() {}
}

public struct SpanLink: Hashable, Sendable {
    public var traceID: TraceID = .zero
    public var spanID: SpanID = .zero
    public var traceState: ByteRange = .empty
    public var attributes: TableSlice = .empty
    public var droppedAttributesCount: UInt32 = 0
    public var flags: UInt32 = 0

    public init() {}
}
