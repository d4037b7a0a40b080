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
        case .int(let i): raw(String(i))
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
        var copy = s
        copy.withUTF8 { writeStringBytes($0) }
    }

    public mutating func writeStringBytes(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        guard let base = utf8.baseAddress else {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        let n = utf8.count
        var runStart = 0
        var i = 0
        while i < n {
            // Most text needs no escaping: skip eight clean bytes at a time.
            if i + 8 <= n, !JSONWriter.needsEscape(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) {
                i += 8
                continue
            }
            let c = base[i]
            if c < 0x20 || c == 0x22 || c == 0x5C {
                if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: i - runStart)) }
                switch c {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0x08: raw("\\b")
                case 0x0C: raw("\\f")
                default:
                    raw("\\u00")
                    bytes.append(Hex.digits[Int(c >> 4)])
                    bytes.append(Hex.digits[Int(c & 0xF)])
                }
                runStart = i + 1
            }
            i += 1
        }
        if runStart < n { bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: n - runStart)) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Whether any of eight bytes is a control character, `"` or `\` (SWAR; exact for "any").
    @inline(__always)
    static func needsEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (w &- ones &* 0x20) & ~w & highs
        let q = w ^ (ones &* 0x22)
        let quote = (q &- ones) & ~q & highs
        let b = w ^ (ones &* 0x5C)
        let backslash = (b &- ones) & ~b & highs
        return (control | quote | backslash) != 0
    }
}
