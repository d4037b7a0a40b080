/// The pipeline's value model for one export request: resource → scope → spans, in flat tables.
/// A logs request uses the same tables with log records in place of spans (`signal` says which);
/// a metrics request is passed through as its protobuf bytes, with its data points counted.
///
/// `bytes` holds every string and bytes value; for protobuf input it *is* the request body, so
/// decoding copies no payload. Tables are flat arrays addressed by `TableSlice`s, which keeps a
/// 1000-span request at a handful of allocations.
public struct TraceBatch: Sendable, Equatable {
    public var bytes: [UInt8]
    public var resources: [ResourceEntry] = []
    public var scopes: [ScopeEntry] = []
    public var spans: [Span] = []
    public var attributes: [Attribute] = []
    public var events: [SpanEvent] = []
    public var links: [SpanLink] = []
    /// Members of `kvlist` values (kept apart so each owner's attributes stay contiguous).
    public var nestedAttributes: [Attribute] = []
    /// Elements of `array` values.
    public var arrayValues: [AttributeValue] = []
    /// The tenant the request's credentials are bound to (set by the receiver; never encoded, so a
    /// client cannot set it).
    public var tenant: String?
    public var signal: Signal = .traces
    /// Logs only: the records, addressed by each scope's `logRecords` slice.
    public var logRecords: [LogRecord] = []
    /// Metrics only: the data points in `bytes` (an `ExportMetricsServiceRequest`, kept undecoded).
    public var metricPoints: Int = 0

    public init(bytes: [UInt8] = []) {
        self.bytes = bytes
    }

    public var spanCount: Int { spans.count }

    /// Spans, log records or data points: what the signal's counts are made of.
    public var itemCount: Int {
        switch signal {
        case .traces: return spans.count
        case .logs: return logRecords.count
        case .metrics: return metricPoints
        }
    }

    /// Bytes each table entry takes, for budgets: decoders charge these as they append.
    public enum EntrySize {
        public static let resource = MemoryLayout<ResourceEntry>.stride
        public static let scope = MemoryLayout<ScopeEntry>.stride
        public static let span = MemoryLayout<Span>.stride
        public static let attribute = MemoryLayout<Attribute>.stride
        public static let event = MemoryLayout<SpanEvent>.stride
        public static let link = MemoryLayout<SpanLink>.stride
        public static let value = MemoryLayout<AttributeValue>.stride
        public static let logRecord = MemoryLayout<LogRecord>.stride
    }

    /// Memory the tables hold (by capacity), beyond the byte store.
    public var tableBytes: Int {
        resources.capacity * EntrySize.resource + scopes.capacity * EntrySize.scope + spans.capacity * EntrySize.span
            + (attributes.capacity + nestedAttributes.capacity) * EntrySize.attribute + events.capacity * EntrySize.event
            + links.capacity * EntrySize.link + arrayValues.capacity * EntrySize.value + logRecords.capacity * EntrySize.logRecord
    }

    /// Appends UTF-8 text to the byte store and returns its range (for values made by the pipeline).
    @discardableResult
    public mutating func store(_ text: String) -> ByteRange {
        let start = bytes.count
        bytes.append(contentsOf: text.utf8)
        return ByteRange(start: start, count: bytes.count - start)
    }

    public mutating func store(bytes newBytes: [UInt8]) -> ByteRange {
        let start = bytes.count
        bytes.append(contentsOf: newBytes)
        return ByteRange(start: start, count: newBytes.count)
    }

    /// The text of a range (validated UTF-8 for every range the decoders produce).
    public func string(_ range: ByteRange) -> String {
        if range.count == 0 { return "" }
        return bytes.withUnsafeBufferPointer { buf in
            String(decoding: UnsafeBufferPointer(rebasing: buf[range.lowerBound..<range.upperBound]), as: UTF8.self)
        }
    }

    public func byteArray(_ range: ByteRange) -> [UInt8] {
        Array(bytes[range.lowerBound..<range.upperBound])
    }

    /// Byte-wise comparison of a stored range with a literal, without making a String.
    public func equals(_ range: ByteRange, _ literal: StaticString) -> Bool {
        guard Int(range.count) == literal.utf8CodeUnitCount else { return false }
        return bytes.withUnsafeBufferPointer { buf in
            memEqual(buf.baseAddress! + range.lowerBound, literal.utf8Start, Int(range.count))
        }
    }

    /// Byte equality of two stored ranges.
    public func sameBytes(_ a: ByteRange, _ b: ByteRange) -> Bool {
        guard a.count == b.count else { return false }
        if a.start == b.start || a.count == 0 { return true }
        return bytes.withUnsafeBufferPointer { buf in
            memEqual(buf.baseAddress! + a.lowerBound, buf.baseAddress! + b.lowerBound, Int(a.count))
        }
    }

}

@inlinable
public func memEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < n {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}
