/// A 16-byte OTLP trace id, held as two big-endian words.
public struct TraceID: Hashable, Sendable, Comparable {
    public var high: UInt64
    public var low: UInt64

    public static let zero = TraceID(high: 0, low: 0)

    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public var isZero: Bool { high == 0 && low == 0 }

    /// From exactly 32 hex characters; nil otherwise.
    public init?(hex: String) {
        let b = Array(hex.utf8)
        guard b.count == 32, let high = Hex.decodeWord(b[0..<16]), let low = Hex.decodeWord(b[16..<32]) else { return nil }
        self.init(high: high, low: low)
    }

    /// Lower-case hex, 32 characters.
    public var hex: String { Hex.encode(high) + Hex.encode(low) }

    public var bytes: [UInt8] { Hex.bigEndianBytes(high) + Hex.bigEndianBytes(low) }

    public static func < (a: TraceID, b: TraceID) -> Bool { (a.high, a.low) < (b.high, b.low) }
}

/// An 8-byte OTLP span id.
public struct SpanID: Hashable, Sendable, Comparable {
    public var value: UInt64

    public static let zero = SpanID(0)

    @inlinable
    public init(_ value: UInt64) { self.value = value }

    public var isZero: Bool { value == 0 }

    /// From exactly 16 hex characters; nil otherwise.
    public init?(hex: String) {
        let b = Array(hex.utf8)
        guard b.count == 16, let value = Hex.decodeWord(b) else { return nil }
        self.init(value)
    }

    /// Lower-case hex, 16 characters.
    public var hex: String { Hex.encode(value) }

    public var bytes: [UInt8] { Hex.bigEndianBytes(value) }

    public static func < (a: SpanID, b: SpanID) -> Bool { a.value < b.value }
}
