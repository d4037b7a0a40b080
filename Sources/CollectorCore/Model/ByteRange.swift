/// A run of bytes inside a batch's byte store. Strings stay references into the request
/// bytes until an exporter encodes them, so decoding allocates no `String` per value.
public struct ByteRange: Hashable, Sendable {
    public var start: UInt32
    public var count: UInt32

    public static let empty = ByteRange(start: 0, count: 0)

    @inlinable
    public init(start: UInt32, count: UInt32) {
        self.start = start
        self.count = count
    }

    @inlinable
    public init(start: Int, count: Int) {
        self.start = UInt32(truncatingIfNeeded: start)
        self.count = UInt32(truncatingIfNeeded: count)
    }

    @inlinable public var isEmpty: Bool { count == 0 }
    @inlinable public var lowerBound: Int { Int(start) }
    @inlinable public var upperBound: Int { Int(start) + Int(count) }
}

/// A contiguous run of elements in one of a batch's flat tables.
public struct TableSlice: Hashable, Sendable {
    public var start: UInt32
    public var count: UInt32

    public static let empty = TableSlice(start: 0, count: 0)

    @inlinable
    public init(start: Int, count: Int) {
        self.start = UInt32(truncatingIfNeeded: start)
        self.count = UInt32(truncatingIfNeeded: count)
    }

    @inlinable public var range: Range<Int> { Int(start)..<(Int(start) + Int(count)) }
    @inlinable public var isEmpty: Bool { count == 0 }
}
