/// An immutable open-addressing table from byte strings to values, with every key stored in one
/// flat buffer: a lookup hashes the bytes once and compares in place, with no allocation or ARC.
public struct ByteKeyTable<Value: Sendable>: Sendable {
    private let keyBytes: [UInt8]
    /// Per slot: offset into `keyBytes`, length, index into `values`; length -1 marks an empty slot.
    private let slots: [(offset: Int32, length: Int32, value: Int32)]
    private let values: [Value]
    private let mask: Int

    public init(_ entries: [(String, Value)]) {
        var size = 8
        while size < entries.count * 4 { size <<= 1 }
        var slots = [(offset: Int32, length: Int32, value: Int32)](repeating: (0, -1, 0), count: size)
        var keyBytes: [UInt8] = []
        var values: [Value] = []
        for (key, value) in entries {
            let bytes = Array(key.utf8)
            var h = bytes.withUnsafeBufferPointer { ByteKeyTable.hash($0) } & (size - 1)
            while slots[h].length >= 0 { h = (h + 1) & (size - 1) }
            slots[h] = (Int32(keyBytes.count), Int32(bytes.count), Int32(values.count))
            keyBytes += bytes
            values.append(value)
        }
        self.keyBytes = keyBytes
        self.slots = slots
        self.values = values
        mask = size - 1
    }

    @inlinable
    static func hash(_ p: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in p { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    public func lookup(_ p: UnsafeBufferPointer<UInt8>) -> Value? {
        slots.withUnsafeBufferPointer { slots in
            keyBytes.withUnsafeBufferPointer { keys in
                var h = ByteKeyTable.hash(p) & mask
                while true {
                    let s = slots[h]
                    if s.length < 0 { return nil }
                    if Int(s.length) == p.count,
                       p.count == 0 || memEqual(keys.baseAddress! + Int(s.offset), p.baseAddress!, p.count) {
                        return values[Int(s.value)]
                    }
                    h = (h + 1) & mask
                }
            }
        }
    }
}
