/// Maps an attribute key's bytes to its `AttributeKey` (and prefix family) with one hash probe,
/// so the translator indexes a span's attributes in a single pass instead of scanning per rule.
public struct KeyClassifier: Sendable {
    private struct Slot: Sendable {
        var key: [UInt8]
        var id: Int32
    }

    private let table: [Slot?]
    private let mask: Int
    private let prefixes: [[UInt8]]

    public static let shared = KeyClassifier()

    public init() {
        let keys = AttributeKey.allCases
        var size = 1
        while size < keys.count * 4 { size <<= 1 }
        var table = [Slot?](repeating: nil, count: size)
        for (i, key) in keys.enumerated() {
            let bytes = Array(key.rawValue.utf8)
            var h = KeyClassifier.hash(bytes) & (size - 1)
            while table[h] != nil { h = (h + 1) & (size - 1) }
            table[h] = Slot(key: bytes, id: Int32(i))
        }
        self.table = table
        self.mask = size - 1
        self.prefixes = AttributeKeyPrefix.allCases.map { Array($0.rawValue.utf8) }
    }

    @inlinable
    static func hash<C: Collection<UInt8>>(_ bytes: C) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// Index into `AttributeKey.allCases`, or nil for a key the collector does not know.
    public func classify(_ p: UnsafeBufferPointer<UInt8>) -> Int32? {
        var h = KeyClassifier.hash(p) & mask
        while let slot = table[h] {
            if slot.key.count == p.count, slot.key.withUnsafeBufferPointer({ memEqual($0.baseAddress!, p.baseAddress!, p.count) }) {
                return slot.id
            }
            h = (h + 1) & mask
        }
        return nil
    }

    /// Index into `AttributeKeyPrefix.allCases` of the family this key belongs to, if any.
    public func prefix(_ p: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = p.first else { return nil }
        for (i, prefix) in prefixes.enumerated() where prefix[0] == first && p.count > prefix.count {
            if prefix.withUnsafeBufferPointer({ memEqual($0.baseAddress!, p.baseAddress!, prefix.count) }) { return i }
        }
        return nil
    }

    public static let keys: [AttributeKey] = AttributeKey.allCases
    public static let prefixFamilies: [AttributeKeyPrefix] = AttributeKeyPrefix.allCases
}
