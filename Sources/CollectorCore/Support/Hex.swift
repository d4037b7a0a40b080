/// Hex encoding and decoding: ids, digests, percent-escapes. The one place hex digits are spelled.
public enum Hex {
    @usableFromInline static let digits: [UInt8] = Array("0123456789abcdef".utf8)
    @usableFromInline static let upperDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// The lower-case digit of the low four bits, computed: no table, so no lazy-global check or
    /// bounds check in the encoders' loops.
    @inline(__always)
    public static func digit(_ v: UInt64) -> UInt8 {
        let d = UInt8(truncatingIfNeeded: v & 0xF)
        return d < 10 ? 48 &+ d : 87 &+ d
    }

    /// Two hex digits of `byte`, appended.
    @inlinable
    public static func append(_ byte: UInt8, to out: inout [UInt8], uppercase: Bool = false) {
        let d = uppercase ? upperDigits : digits
        out.append(d[Int(byte >> 4)])
        out.append(d[Int(byte & 0xF)])
    }

    /// Lower-case hex of a byte sequence (a digest, say).
    public static func string<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes { append(b, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Two words as a UUID-shaped string (`8-4-4-4-12` hex digits), without a String per part.
    public static func uuid(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buf in
            var v = low
            var i = 35
            for d in stride(from: 31, through: 0, by: -1) {
                if d == 15 { v = high }
                buf[i] = digits[Int(v & 0xF)]
                v >>= 4
                i -= 1
                if d == 8 || d == 12 || d == 16 || d == 20 {
                    buf[i] = UInt8(ascii: "-")
                    i -= 1
                }
            }
            return 36
        }
    }

    public static func encode(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { buf in
            var v = value
            for i in stride(from: 15, through: 0, by: -1) {
                buf[i] = digits[Int(v & 0xF)]
                v >>= 4
            }
            return 16
        }
    }

    public static func bigEndianBytes(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }

    @inlinable
    public static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }

    /// Decodes exactly 16 hex characters to a word; nil on any non-hex character.
    public static func decodeWord<C: Collection>(_ chars: C) -> UInt64? where C.Element == UInt8 {
        guard chars.count == 16 else { return nil }
        var v: UInt64 = 0
        for c in chars {
            guard let n = nibble(c) else { return nil }
            v = v << 4 | UInt64(n)
        }
        return v
    }
}
