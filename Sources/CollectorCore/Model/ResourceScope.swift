/// A `ResourceSpans` (or `ResourceLogs`) entry: the resource and the slice of its scopes.
public struct ResourceEntry: Hashable, Sendable {
    /// false when the message carried no `resource` field at all.
    public var hasResource: Bool = false
    public var attributes: TableSlice = .empty
    public var droppedAttributesCount: UInt32 = 0
    public var schemaURL: ByteRange = .empty
    public var scopes: TableSlice = .empty

    public init() {}
}

/// A `ScopeSpans` (or `ScopeLogs`) entry: the instrumentation scope and the slice of its spans (or records).
public struct ScopeEntry: Hashable, Sendable {
    public var hasScope: Bool = false
    public var name: ByteRange = .empty
    public var version: ByteRange = .empty
    public var attributes: TableSlice = .empty
    public var droppedAttributesCount: UInt32 = 0
    public var schemaURL: ByteRange = .empty
    public var spans: TableSlice = .empty
    /// In a logs batch: the slice of its log records.
    public var logRecords: TableSlice = .empty
    /// Index of the owning resource in `TraceBatch.resources`.
    public var resourceIndex: UInt32 = 0

    public init() {}
}
