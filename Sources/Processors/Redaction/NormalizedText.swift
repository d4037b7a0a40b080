import Foundation

/// A text as the detectors should see it, and where each of its bytes came from. Disguises that a
/// reader (or a model) sees through are undone before detecting: zero-width and other invisible
/// format characters are removed; compatibility forms are folded (NFKC, per character, for the
/// characters that fold to ASCII: full-width `＠`, `﹫`, mathematical letters, circled digits, odd
/// spaces); percent-encoded printable ASCII (`%40`) and JSON/JavaScript escapes (`\u0040`, a lone
/// surrogate becoming U+FFFD) are decoded. A finding in the normalized text is replaced in the
/// original over the bytes it came from.
struct NormalizedText {
    var bytes: [UInt8] = []
    /// For each normalized byte, the original bytes `from..<to` it came from.
    var from: [Int32] = []
    var to: [Int32] = []

    /// The original range of normalized bytes `s..<e`.
    func original(_ s: Int, _ e: Int) -> (Int, Int) { (Int(from[s]), Int(to[e - 1])) }

    /// The normalized bytes that came from original bytes `s..<e`.
    func indices(of s: Int, _ e: Int) -> Range<Int> {
        let first = from.firstIndex { Int($0) >= s } ?? from.count
        var last = first
        while last < to.count, Int(to[last]) <= e { last += 1 }
        return first..<last
    }

    /// Whether normalization would change `t`: a `%XX` of printable ASCII, a `\uXXXX`, or a character
    /// that is folded or removed. Plain text costs one pass of table lookups; a candidate is checked
    /// exactly, so a `%` in code or a CJK text does not cost a normalization that changes nothing.
    static func mayChange(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        Self.leads.withUnsafeBufferPointer { leads in
            let n = t.count
            var i = 0
            while i < n {
                // Eight bytes at a time past what cannot matter: no byte of 0x80 and up, no `%`,
                // no `\\`; a word that has one is read byte by byte, then words again.
                var stop = n
                if let base = t.baseAddress, i + 8 <= n {
                    let w = UnsafeRawPointer(base).loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    if w & 0x8080_8080_8080_8080 == 0 && !hasByte(w, 0x25) && !hasByte(w, 0x5C) { i += 8; continue }
                    stop = i + 8
                }
                while i < stop {
                    let c = t[i]
                    guard leads[Int(c)] else { i += 1; continue }
                    switch c {
                    case UInt8(ascii: "%"):
                        if i + 2 < n, let v = hexByte(t[i + 1], t[i + 2]), v >= 0x20, v < 0x7F { return true }
                    case UInt8(ascii: "\\"):
                        if i + 5 < n, t[i + 1] == UInt8(ascii: "u"), hex4(t, i + 2) != nil { return true }
                    default:
                        if let (scalar, length) = decodeUTF8(t, i) {
                            if folds(scalar) { return true }
                            i += length
                            continue
                        }
                    }
                    i += 1
                }
            }
            return false
        }
    }

    /// Whether a word holds the byte `b` (the classic has-zero-byte test on `w ^ b…b`).
    @inline(__always) static func hasByte(_ w: UInt64, _ b: UInt8) -> Bool {
        let x = w ^ (0x0101_0101_0101_0101 &* UInt64(b))
        return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0
    }

    private static let leads: [Bool] = {
        var l = [Bool](repeating: false, count: 256)
        for c in [UInt8(ascii: "%"), UInt8(ascii: "\\"), 0xC2, 0xE1, 0xE2, 0xE3, 0xEF, 0xF0] { l[Int(c)] = true }
        return l
    }()

    /// Whether a scalar is folded or removed, without a dictionary lookup for the common ones.
    @inline(__always) static func folds(_ scalar: UInt32) -> Bool {
        if scalar < 0x10000 { return foldedBMP[Int(scalar >> 6)] & (1 << (scalar & 63)) != 0 }
        return folding[scalar] != nil
    }

    private static let foldedBMP: [UInt64] = {
        var bits = [UInt64](repeating: 0, count: 1024)
        for s in folding.keys where s < 0x10000 { bits[Int(s >> 6)] |= 1 << (s & 63) }
        return bits
    }()

    /// nil when normalization changes nothing.
    static func make(_ t: UnsafeBufferPointer<UInt8>) -> NormalizedText? {
        var n = NormalizedText()
        n.bytes.reserveCapacity(t.count)
        n.from.reserveCapacity(t.count)
        n.to.reserveCapacity(t.count)
        var changed = false
        var i = 0
        let count = t.count
        func emit(_ b: UInt8, _ s: Int, _ e: Int) {
            n.bytes.append(b)
            n.from.append(Int32(truncatingIfNeeded: s))
            n.to.append(Int32(truncatingIfNeeded: e))
        }
        func emitScalar(_ scalar: UInt32, _ s: Int, _ e: Int) {
            if let folded = Self.folding[scalar] {
                for b in folded { emit(b, s, e) }
                return
            }
            var utf8: [UInt8] = []
            appendUTF8(scalar, &utf8)
            for b in utf8 { emit(b, s, e) }
        }
        while i < count {
            let c = t[i]
            if c == UInt8(ascii: "%"), i + 2 < count, let v = hexByte(t[i + 1], t[i + 2]), v >= 0x20, v < 0x7F {
                emit(v, i, i + 3)
                i += 3
                changed = true
                continue
            }
            if c == UInt8(ascii: "\\"), i + 5 < count, t[i + 1] == UInt8(ascii: "u"), let unit = hex4(t, i + 2) {
                var scalar = unit
                var e = i + 6
                if (0xD800...0xDBFF).contains(unit) {
                    if e + 5 < count, t[e] == UInt8(ascii: "\\"), t[e + 1] == UInt8(ascii: "u"), let low = hex4(t, e + 2), (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        e += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00...0xDFFF).contains(unit) {
                    scalar = 0xFFFD
                }
                emitScalar(scalar, i, e)
                i = e
                changed = true
                continue
            }
            if c < 0x80 {
                emit(c, i, i + 1)
                i += 1
                continue
            }
            guard let (scalar, length) = decodeUTF8(t, i) else {
                emit(c, i, i + 1)
                i += 1
                continue
            }
            if folds(scalar) {
                emitScalar(scalar, i, i + length)
                changed = true
            } else {
                for k in 0..<length { emit(t[i + k], i, i + length) }
            }
            i += length
        }
        return changed ? n : nil
    }

    // MARK: - The folding table

    /// Characters removed or folded to ASCII, by scalar: invisible format characters map to nothing,
    /// the rest to their NFKC form where that is ASCII. Built once, from Foundation's NFKC.
    static let folding: [UInt32: [UInt8]] = {
        var table: [UInt32: [UInt8]] = [:]
        let invisible: [ClosedRange<UInt32>] = [
            0x00AD...0x00AD, 0x180E...0x180E, 0x200B...0x200F, 0x202A...0x202E,
            0x2060...0x2064, 0x2066...0x2069, 0xFEFF...0xFEFF,
        ]
        for r in invisible { for s in r { table[s] = [] } }
        let folded: [ClosedRange<UInt32>] = [
            0x00A0...0x00A0, 0x2000...0x200A, 0x2024...0x2026, 0x202F...0x202F, 0x205F...0x205F,
            0x2070...0x209F, 0x2100...0x214F, 0x2460...0x24FF, 0x3000...0x3000,
            0xFE50...0xFE6F, 0xFF01...0xFF5E, 0x1D400...0x1D7FF,
        ]
        for r in folded {
            for s in r {
                guard let scalar = Unicode.Scalar(s) else { continue }
                let nfkc = Array(String(Character(scalar)).precomposedStringWithCompatibilityMapping.utf8)
                if !nfkc.isEmpty, nfkc.allSatisfy({ $0 < 0x80 }) { table[s] = nfkc }
            }
        }
        return table
    }()

    // MARK: - Bytes

    static func hexByte(_ a: UInt8, _ b: UInt8) -> UInt8? {
        guard let h = hexValue(a), let l = hexValue(b) else { return nil }
        return h << 4 | l
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    static func hex4(_ t: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32? {
        guard at + 4 <= t.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            guard let h = hexValue(t[at + k]) else { return nil }
            v = v << 4 | UInt32(h)
        }
        return v
    }

    /// One UTF-8 scalar at `i`: its value and length, or nil when the bytes are not one.
    static func decodeUTF8(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int)? {
        let c = t[i]
        let length: Int
        var v: UInt32
        switch c {
        case 0xC2...0xDF: length = 2; v = UInt32(c & 0x1F)
        case 0xE0...0xEF: length = 3; v = UInt32(c & 0x0F)
        case 0xF0...0xF4: length = 4; v = UInt32(c & 0x07)
        default: return nil
        }
        guard i + length <= t.count else { return nil }
        for k in 1..<length {
            let b = t[i + k]
            guard b & 0xC0 == 0x80 else { return nil }
            v = v << 6 | UInt32(b & 0x3F)
        }
        return (v, length)
    }

    static func appendUTF8(_ scalar: UInt32, _ out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80: out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6)); out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12)); out.append(UInt8(0x80 | scalar >> 6 & 0x3F)); out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18)); out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F)); out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
