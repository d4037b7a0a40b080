import CollectorCore

/// An immutable open-addressing table from byte strings to values, with every key stored in one
/// flat buffer: a lookup hashes the bytes once and compares in place, with no allocation or ARC.
public struct ByteKeyTable<Value: Sendable>: Sendable {
    @usableFromInline let keyBytes: [UInt8]
    /// Per slot: offset into `keyBytes`, length, index into `values`; length -1 marks an empty slot.
    @usableFromInline let slots: [(offset: Int32, length: Int32, value: Int32)]
    @usableFromInline let values: [Value]
    @usableFromInline let mask: Int

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

    /// Eight bytes at a time (keys are short ASCII); the tail is folded in byte by byte.
    @inlinable
    public static func hash(_ p: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = p.baseAddress else { return 0 }
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(p.count)
        var i = 0
        while i + 8 <= p.count {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < p.count {
            tail |= UInt64(base[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    @inlinable
    public func lookup(_ p: UnsafeBufferPointer<UInt8>) -> Value? {
        slots.withUnsafeBufferPointer { slots in
            keyBytes.withUnsafeBufferPointer { keys in
                var h = ByteKeyTable.hash(p) & mask
                while true {
                    let s = slots[h]
                    if s.length < 0 { return nil }
                    if Int(s.length) == p.count,
                        p.count == 0 || memEqual(keys.baseAddress! + Int(s.offset), p.baseAddress!, p.count)
                    {
                        return values[Int(s.value)]
                    }
                    h = (h + 1) & mask
                }
            }
        }
    }
}
