/// Appends protobuf wire primitives to a byte buffer. Nested messages are written in place:
/// a one-byte length is reserved and widened afterwards only for messages of 128 bytes or more.
struct WireWriter {
    var out: [UInt8] = []

    @inline(__always)
    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    @inline(__always)
    mutating func tag(_ field: Int, _ wire: UInt8) { varint(UInt64(field) << 3 | UInt64(wire)) }

    mutating func fixed64(_ field: Int, _ v: UInt64) {
        tag(field, 1)
        raw64(v)
    }

    /// Eight little-endian bytes, untagged (a packed element, or after a tag already written).
    mutating func raw64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    mutating func fixed32(_ field: Int, _ v: UInt32) {
        tag(field, 5)
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    mutating func bytes(_ field: Int, _ b: UnsafeBufferPointer<UInt8>) {
        tag(field, 2)
        varint(UInt64(b.count))
        out.append(contentsOf: b)
    }

    mutating func bytes(_ field: Int, _ b: [UInt8]) {
        b.withUnsafeBufferPointer { bytes(field, $0) }
    }

    /// Starts a nested message; returns the mark to pass to `end`.
    mutating func begin(_ field: Int) -> Int {
        tag(field, 2)
        out.append(0)
        return out.count
    }

    mutating func end(_ mark: Int) {
        let length = out.count - mark
        if length < 0x80 {
            out[mark - 1] = UInt8(length)
            return
        }
        var prefix: [UInt8] = []
        var v = UInt64(length)
        while v >= 0x80 {
            prefix.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        prefix.append(UInt8(v))
        out.replaceSubrange((mark - 1)..<mark, with: prefix)
    }
}
