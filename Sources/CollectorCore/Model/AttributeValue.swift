/// A typed OTLP attribute value. Strings and bytes refer into the batch's byte store; arrays
/// and key-value lists refer into the batch's `arrayValues` and `nestedAttributes` tables.
public enum AttributeValue: Hashable, Sendable {
    case empty
    case string(ByteRange)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case bytes(ByteRange)
    case array(TableSlice)
    case kvlist(TableSlice)
}

/// One key-value pair: span, resource, scope, event and link attributes, and kvlist members.
public struct Attribute: Hashable, Sendable {
    public var key: ByteRange
    public var value: AttributeValue

    @inlinable
    public init(key: ByteRange, value: AttributeValue) {
        self.key = key
        self.value = value
    }
}
