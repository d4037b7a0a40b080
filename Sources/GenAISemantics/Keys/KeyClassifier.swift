import CollectorCore

/// Maps an attribute key's bytes to its `AttributeKey` (and prefix family) with one hash probe,
/// so the translator indexes a span's attributes in a single pass instead of scanning per rule.
public struct KeyClassifier: Sendable {
    /// Key → (AttributeKey index, prefix family or -1).
    private let keys: ByteKeyTable<(Int32, Int32)>
    /// Prefix families, grouped by first byte so a key is compared only with plausible prefixes.
    private let prefixBytes: [UInt8]
    private let prefixesByFirstByte: [[(offset: Int, length: Int, family: Int)]]
    /// `MappingTables.metadataExcludedPrefixes`, as bytes.
    private let excludedPrefixes: [[UInt8]]

    public static let shared = KeyClassifier()

    public init() {
        var bytes: [UInt8] = []
        var buckets = [[(offset: Int, length: Int, family: Int)]](repeating: [], count: 256)
        for (i, prefix) in AttributeKeyPrefix.allCases.enumerated() {
            let p = Array(prefix.rawValue.utf8)
            buckets[Int(p[0])].append((bytes.count, p.count, i))
            bytes += p
        }
        prefixBytes = bytes
        prefixesByFirstByte = buckets
        excludedPrefixes = MappingTables.metadataExcludedPrefixes.map { Array($0.utf8) }
        let families = AttributeKeyPrefix.allCases
        keys = ByteKeyTable(
            AttributeKey.allCases.enumerated().map { i, key in
                let family = families.firstIndex { key.rawValue.hasPrefix($0.rawValue) && key.rawValue != $0.rawValue }
                return (key.rawValue, (Int32(i), Int32(family ?? -1)))
            })
    }

    /// Both answers in one probe for known keys; the prefix scan runs only for unknown ones.
    public func classifyWithFamily(_ p: UnsafeBufferPointer<UInt8>) -> (key: Int32?, family: Int?) {
        if let (id, family) = keys.lookup(p) { return (id, family < 0 ? nil : Int(family)) }
        return (nil, prefix(p))
    }

    /// Index into `AttributeKey.allCases`, or nil for a key the collector does not know.
    public func classify(_ p: UnsafeBufferPointer<UInt8>) -> Int32? { keys.lookup(p)?.0 }

    /// Whether the key starts with one of the plain prefixes left out of `metadata.attributes`.
    /// Only unknown keys outside every family ask, so this is off the common path.
    public func excludedFromMetadata(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        excludedPrefixes.contains { prefix in
            p.count >= prefix.count && prefix.withUnsafeBufferPointer { memEqual($0.baseAddress!, p.baseAddress!, prefix.count) }
        }
    }

    /// Index into `AttributeKeyPrefix.allCases` of the family this key belongs to, if any.
    public func prefix(_ p: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = p.first else { return nil }
        return prefixesByFirstByte.withUnsafeBufferPointer { buckets in
            prefixBytes.withUnsafeBufferPointer { bytes in
                for c in buckets[Int(first)] where p.count > c.length {
                    if memEqual(bytes.baseAddress! + c.offset, p.baseAddress!, c.length) { return c.family }
                }
                return nil
            }
        }
    }
}
