import CollectorCore

/// Reads protobuf wire primitives from a byte range, checking every bound.
struct WireReader {
    let base: UnsafePointer<UInt8>
    var pos: Int
    let end: Int

    @inline(__always)
    var atEnd: Bool { pos >= end }

    @inline(__always)
    mutating func varint(_ field: StaticString) throws(OTLPDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while pos < end {
            let b = base[pos]
            pos += 1
            if shift == 63 && b > 1 { throw OTLPDecodingError(.malformedVarint, field: "\(field)", offset: pos - 1) }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw OTLPDecodingError(.malformedVarint, field: "\(field)", offset: pos - 1) }
        }
        throw OTLPDecodingError(.truncated, field: "\(field)", offset: pos)
    }

    /// Returns (field number, wire type).
    @inline(__always)
    mutating func tag(_ message: StaticString) throws(OTLPDecodingError) -> (Int, UInt8) {
        let start = pos
        let key = try varint(message)
        let field = key >> 3
        guard field != 0, field <= 0x1FFF_FFFF else {
            throw OTLPDecodingError(.invalidFieldNumber, field: "\(message)", offset: start)
        }
        return (Int(field), UInt8(key & 7))
    }

    @inline(__always)
    mutating func fixed64(_ field: StaticString) throws(OTLPDecodingError) -> UInt64 {
        guard end - pos >= 8 else { throw OTLPDecodingError(.truncated, field: "\(field)", offset: pos) }
        let v = UInt64(littleEndian: UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self))
        pos += 8
        return v
    }

    @inline(__always)
    mutating func fixed32(_ field: StaticString) throws(OTLPDecodingError) -> UInt32 {
        guard end - pos >= 4 else { throw OTLPDecodingError(.truncated, field: "\(field)", offset: pos) }
        let v = UInt32(littleEndian: UnsafeRawPointer(base + pos).loadUnaligned(as: UInt32.self))
        pos += 4
        return v
    }

    /// A length-delimited field's payload range; the length is checked against the enclosing end.
    @inline(__always)
    mutating func lengthDelimited(_ field: StaticString) throws(OTLPDecodingError) -> Range<Int> {
        let at = pos
        let n = try varint(field)
        guard n <= UInt64(end - pos) else { throw OTLPDecodingError(.lengthOutOfBounds(n), field: "\(field)", offset: at) }
        let r = pos..<(pos + Int(n))
        pos += Int(n)
        return r
    }

    /// A string field: validated UTF-8, returned as a reference into the buffer.
    @inline(__always)
    mutating func string(_ field: StaticString) throws(OTLPDecodingError) -> ByteRange {
        let r = try lengthDelimited(field)
        guard UTF8Validation.isValid(base + r.lowerBound, count: r.count) else {
            throw OTLPDecodingError(.invalidUTF8, field: "\(field)", offset: r.lowerBound)
        }
        return ByteRange(start: r.lowerBound, count: r.count)
    }

    @inline(__always)
    mutating func expect(_ wire: UInt8, _ want: UInt8, _ field: StaticString) throws(OTLPDecodingError) {
        if wire != want { throw OTLPDecodingError(.invalidWireType(wire), field: "\(field)", offset: pos) }
    }

    /// Skips an unknown field (groups included, bounded in depth).
    mutating func skip(_ wire: UInt8, field number: Int, _ message: StaticString, depth: Int = 0) throws(OTLPDecodingError) {
        switch wire {
        case 0: _ = try varint(message)
        case 1: _ = try fixed64(message)
        case 2: _ = try lengthDelimited(message)
        case 5: _ = try fixed32(message)
        case 3:
            guard depth < 32 else { throw OTLPDecodingError(.tooDeep, field: "\(message)", offset: pos) }
            while true {
                let (f, w) = try tag(message)
                if w == 4 {
                    guard f == number else { throw OTLPDecodingError(.invalidWireType(4), field: "\(message)", offset: pos) }
                    return
                }
                try skip(w, field: f, message, depth: depth + 1)
            }
        default:
            throw OTLPDecodingError(.invalidWireType(wire), field: "\(message)", offset: pos)
        }
    }

    /// An id field: exactly `size` bytes, or empty (the all-zero id).
    @inline(__always)
    mutating func idBytes(_ size: Int, _ field: StaticString) throws(OTLPDecodingError) -> (UInt64, UInt64, Bool) {
        let r = try lengthDelimited(field)
        if r.isEmpty { return (0, 0, false) }
        guard r.count == size else { throw OTLPDecodingError(.invalidID(length: r.count), field: "\(field)", offset: r.lowerBound) }
        let hi = UInt64(bigEndian: UnsafeRawPointer(base + r.lowerBound).loadUnaligned(as: UInt64.self))
        let lo = size == 16 ? UInt64(bigEndian: UnsafeRawPointer(base + r.lowerBound + 8).loadUnaligned(as: UInt64.self)) : 0
        return (hi, lo, true)
    }
}
