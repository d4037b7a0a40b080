/// Compact JSON output into a byte buffer. Numbers print as JavaScript would print them, so our
/// JSON text matches what Langfuse's own serialisation produces for the same values.
public struct JSONWriter {
    public var bytes: [UInt8] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public static func serialize(_ value: JSONValue) -> String {
        var w = JSONWriter()
        w.write(value)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let b): raw(b ? "true" : "false")
        case .int(let i): writeInt(i)
        case .double(let d): writeDouble(d)
        case .string(let s): writeString(s)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (k, item) in items.enumerated() {
                if k > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (k, m) in members.enumerated() {
                if k > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(m.key)
                bytes.append(UInt8(ascii: ":"))
                write(m.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Indented output (two spaces), for golden files and `translate --pretty`.
    public static func pretty(_ value: JSONValue) -> String {
        var w = JSONWriter()
        w.writePretty(value, indent: 0)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    mutating func writePretty(_ value: JSONValue, indent: Int) {
        let pad = String(repeating: " ", count: indent + 2)
        switch value {
        case .array(let items) where !items.isEmpty:
            raw("[\n")
            for (k, item) in items.enumerated() {
                raw(pad)
                writePretty(item, indent: indent + 2)
                raw(k + 1 < items.count ? ",\n" : "\n")
            }
            raw(String(repeating: " ", count: indent) + "]")
        case .object(let members) where !members.isEmpty:
            raw("{\n")
            for (k, m) in members.enumerated() {
                raw(pad)
                writeString(m.key)
                raw(": ")
                writePretty(m.value, indent: indent + 2)
                raw(k + 1 < members.count ? ",\n" : "\n")
            }
            raw(String(repeating: " ", count: indent) + "}")
        default:
            write(value)
        }
    }

    public mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    // MARK: in place, no intermediate strings (the encoders' hot path)

    /// Bytes that need no escaping (punctuation, a literal key).
    @inline(__always)
    public mutating func raw(_ text: StaticString) {
        let n = text.utf8CodeUnitCount
        put(atMost: n) { out in
            out.update(from: text.utf8Start, count: n)
            return n
        }
    }

    /// `"key":` for a literal key that needs no escaping; `,"key":` when `comma`.
    @inline(__always)
    public mutating func key(_ text: StaticString, comma: Bool = false) {
        let n = text.utf8CodeUnitCount
        put(atMost: n + 4) { out in
            var o = 0
            if comma {
                out[0] = UInt8(ascii: ",")
                o = 1
            }
            out[o] = UInt8(ascii: "\"")
            (out + o + 1).update(from: text.utf8Start, count: n)
            out[o + n + 1] = UInt8(ascii: "\"")
            out[o + n + 2] = UInt8(ascii: ":")
            return o + n + 3
        }
    }

    /// Writes up to `atMost` bytes straight into the buffer's spare capacity (grown first if need
    /// be); `body` returns how many it wrote. One capacity check per call, and no staging copy.
    @inline(__always)
    public mutating func put(atMost: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        bytes.append(addingCapacity: atMost) { span in
            span.withUnsafeMutableBufferPointer { buf, initialized in
                initialized += body(buf.baseAddress! + initialized)
            }
        }
    }

    /// Decimal digits of `v` ending just before `end`; returns where they start.
    @inline(__always)
    static func digits(_ v: UInt64, endingAt end: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var p = end
        var x = v
        repeat {
            p -= 1
            p.pointee = UInt8(truncatingIfNeeded: 48 &+ x % 10)
            x /= 10
        } while x != 0
        return p
    }

    public mutating func writeInt(_ v: Int64) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        writeUInt(v.magnitude)
    }

    public mutating func writeUInt(_ v: UInt64) {
        put(atMost: 40) { buf in
            let end = buf + 24
            let start = JSONWriter.digits(v, endingAt: end)
            let n = end - start
            buf.update(from: start, count: n)
            return n
        }
    }

    /// `"<16 or 32 lower-case hex digits>"` of one or two words (span and trace ids).
    public mutating func writeHexString(_ high: UInt64, _ low: UInt64? = nil) {
        put(atMost: 40) { buf in
            @inline(__always) func put(_ word: UInt64, at n: Int) {
                var v = word
                for i in stride(from: n + 15, through: n, by: -1) {
                    buf[i] = Hex.digit(v)
                    v >>= 4
                }
            }
            buf[0] = UInt8(ascii: "\"")
            put(high, at: 1)
            var n = 17
            if let low {
                put(low, at: 17)
                n = 33
            }
            buf[n] = UInt8(ascii: "\"")
            return n + 1
        }
    }

    /// `"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"` of two words.
    public mutating func writeUUID(_ high: UInt64, _ low: UInt64) {
        put(atMost: 40) { buf in
            var v = low
            var i = 36
            // Right to left: hyphens after the 8th, 12th, 16th and 20th digit.
            for d in stride(from: 31, through: 0, by: -1) {
                if d == 15 { v = high }
                buf[i] = Hex.digit(v)
                v >>= 4
                i -= 1
                if d == 8 || d == 12 || d == 16 || d == 20 {
                    buf[i] = UInt8(ascii: "-")
                    i -= 1
                }
            }
            buf[0] = UInt8(ascii: "\"")
            buf[37] = UInt8(ascii: "\"")
            return 38
        }
    }

    /// `"2026-11-29T16:22:30.123Z"` (`Timestamp.iso8601(millis:)`, quoted).
    public mutating func writeISO8601(millis: Int64) {
        put(atMost: 40) { buf in
            buf[0] = UInt8(ascii: "\"")
            Timestamp.iso8601(millis: millis, into: buf + 1)
            buf[25] = UInt8(ascii: "\"")
            return 26
        }
    }

    /// `seconds.fraction` with exactly `places` digits after the point (ClickHouse DateTime64).
    public mutating func writeDecimal(_ units: UInt64, places: Int) {
        put(atMost: 40) { buf in
            var scale: UInt64 = 1
            for _ in 0..<places { scale *= 10 }
            let end = buf + 40
            var p = end
            var frac = units % scale
            for _ in 0..<places {
                p -= 1
                p.pointee = UInt8(truncatingIfNeeded: 48 &+ frac % 10)
                frac /= 10
            }
            p -= 1
            p.pointee = UInt8(ascii: ".")
            let start = JSONWriter.digits(units / scale, endingAt: p)
            let n = end - start
            buf.update(from: start, count: n)
            return n
        }
    }

    /// JavaScript's Number#toString for finite values; NaN and infinities (not JSON) become null.
    public mutating func writeDouble(_ d: Double) {
        raw(JSONWriter.javaScriptNumber(d))
    }

    public static func javaScriptNumber(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == 0 && d.sign == .minus { return "-0" }  // keeps the sign through a round trip
        if d == d.rounded(), abs(d) < 1e21 {
            if abs(d) < 9.007_199_254_740_992e15 { return String(Int64(d)) }
        }
        var s = "\(d)"
        if let e = s.firstIndex(of: "e") {
            // Swift prints 1e-07; JavaScript prints 1e-7 and 1e+21.
            var mantissa = String(s[..<e])
            if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
            var exp = String(s[s.index(after: e)...])
            let negative = exp.hasPrefix("-")
            exp = String(exp.drop(while: { $0 == "-" || $0 == "+" || $0 == "0" }))
            s = mantissa + "e" + (negative ? "-" : "+") + (exp.isEmpty ? "0" : exp)
        } else if s.hasSuffix(".0") {
            s.removeLast(2)
        }
        return s
    }

    public mutating func writeString(_ s: String) {
        // Native strings lend their bytes; only a bridged or lazy one is copied.
        if s.utf8.withContiguousStorageIfAvailable({ writeStringBytes($0) }) == nil {
            var copy = s
            copy.withUTF8 { writeStringBytes($0) }
        }
    }

    public mutating func writeStringBytes(_ utf8: UnsafeBufferPointer<UInt8>) {
        guard let base = utf8.baseAddress, utf8.count > 0 else {
            raw("\"\"" as StaticString)
            return
        }
        let n = utf8.count
        // Escaped straight into the buffer a chunk at a time: room for the worst case (six bytes
        // out per byte in, plus the quotes and a word of slack) is reserved per chunk, not for the whole string,
        // so a long clean prompt does not grow the buffer sixfold. Eight bytes are tested at once;
        // a clean word is stored whole, a dirty one up to its first escape.
        let chunk = 4096
        var start = 0
        while start < n {
            let end = min(n, start + chunk)
            put(atMost: (end - start) * 6 + 18) { out in
                var o = 0
                if start == 0 {
                    out[0] = UInt8(ascii: "\"")
                    o = 1
                }
                var i = start
                while i < end {
                    // Two words a step while both are clean: the usual case in prose.
                    while i + 16 <= end {
                        let a = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                        let b = UnsafeRawPointer(base + i + 8).loadUnaligned(as: UInt64.self)
                        if JSONWriter.escapeMask(a) | JSONWriter.escapeMask(b) != 0 { break }
                        UnsafeMutableRawPointer(out + o).storeBytes(of: a, as: UInt64.self)
                        UnsafeMutableRawPointer(out + o + 8).storeBytes(of: b, as: UInt64.self)
                        i += 16
                        o += 16
                    }
                    if i == end { break }
                    if i + 8 <= end {
                        let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                        UnsafeMutableRawPointer(out + o).storeBytes(of: word, as: UInt64.self)
                        let m = JSONWriter.escapeMask(word)
                        if m == 0 {
                            i += 8
                            o += 8
                            continue
                        }
                        let clean = m.trailingZeroBitCount >> 3  // exact for the first match
                        i += clean
                        o += clean
                    }
                    let c = base[i]
                    i += 1
                    if c >= 0x20 && c != 0x22 && c != 0x5C {
                        out[o] = c
                        o += 1
                        continue
                    }
                    out[o] = 0x5C
                    switch c {
                    case 0x22, 0x5C: out[o + 1] = c
                    case 0x0A: out[o + 1] = UInt8(ascii: "n")
                    case 0x0D: out[o + 1] = UInt8(ascii: "r")
                    case 0x09: out[o + 1] = UInt8(ascii: "t")
                    case 0x08: out[o + 1] = UInt8(ascii: "b")
                    case 0x0C: out[o + 1] = UInt8(ascii: "f")
                    default:
                        out[o + 1] = UInt8(ascii: "u")
                        out[o + 2] = UInt8(ascii: "0")
                        out[o + 3] = UInt8(ascii: "0")
                        out[o + 4] = Hex.digit(UInt64(c >> 4))
                        out[o + 5] = Hex.digit(UInt64(c))
                        o += 4
                    }
                    o += 2
                }
                if end == n {
                    out[o] = UInt8(ascii: "\"")
                    o += 1
                }
                return o
            }
            start = end
        }
    }

    /// The high bit of each of eight bytes that is a control character, `"` or `\` (SWAR). Bits
    /// above the lowest may be false positives (a borrow carries), the lowest is exact.
    @inline(__always)
    static func escapeMask(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (w &- ones &* 0x20) & ~w & highs
        let q = w ^ (ones &* 0x22)
        let quote = (q &- ones) & ~q & highs
        let b = w ^ (ones &* 0x5C)
        let backslash = (b &- ones) & ~b & highs
        return control | quote | backslash
    }
}
