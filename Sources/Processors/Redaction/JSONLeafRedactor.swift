/// Redacts a JSON document's string values in place of the text, leaving every other byte (keys,
/// structure, whitespace) as it was, so the result is still valid JSON with the same shape. A value
/// with escapes is decoded, redacted and escaped again; a long number (a card or phone number
/// written as a JSON number) that matches becomes a string placeholder.
enum JSONLeafRedactor {
    enum Result {
        /// Not JSON (unbalanced, unterminated): the caller scans it as plain text.
        case notJSON
        /// Nesting deeper than allowed: the caller masks the whole value (fail closed).
        case tooDeep
        case done
    }

    static func redact(_ t: UnsafeBufferPointer<UInt8>, _ redactor: TextRedactor, maxDepth: Int,
                       scratch: inout [ScanMatch], into outcome: inout TextOutcome) -> Result {
        let n = t.count
        var out: [UInt8]?  // allocated at the first change
        var copied = 0     // t[..<copied] is already in `out`
        var depth = 0
        var sawContainer = false
        var i = 0
        func flush(upTo k: Int) {
            if out == nil { out = []; out!.reserveCapacity(n + 64) }
            out!.append(contentsOf: UnsafeBufferPointer(rebasing: t[copied..<k]))
        }
        while i < n {
            let c = t[i]
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                sawContainer = true
                if depth > maxDepth { return .tooDeep }
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth < 0 { return .notJSON }
                i += 1
            case UInt8(ascii: "\""):
                let s = i + 1
                var e = s
                var escaped = false
                while e < n, t[e] != UInt8(ascii: "\"") {
                    if t[e] == UInt8(ascii: "\\") { escaped = true; e += 1 }
                    e += 1
                }
                guard e < n else { return .notJSON }
                var k = e + 1
                while k < n, t[k] == 0x20 || t[k] == 0x0A || t[k] == 0x0D || t[k] == 0x09 { k += 1 }
                let isKey = k < n && t[k] == UInt8(ascii: ":")
                if !isKey && e > s {
                    var leaf = TextOutcome()
                    if escaped {
                        guard let decoded = unescape(UnsafeBufferPointer(rebasing: t[s..<e])) else { return .notJSON }
                        decoded.withUnsafeBufferPointer { redactor.redact($0, scratch: &scratch, into: &leaf) }
                        if let text = leaf.text {
                            flush(upTo: s)
                            escape(text, into: &out!)
                            copied = e
                        }
                    } else {
                        redactor.redact(UnsafeBufferPointer(rebasing: t[s..<e]), scratch: &scratch, into: &leaf)
                        if let text = leaf.text {
                            flush(upTo: s)
                            escape(text, into: &out!)
                            copied = e
                        }
                    }
                    merge(leaf, into: &outcome)
                }
                i = e + 1
            case UInt8(ascii: "-"), 0x30...0x39:
                var e = i + 1
                var digits = c == UInt8(ascii: "-") ? 0 : 1
                while e < n, isDigit(t[e]) || t[e] == UInt8(ascii: ".") || t[e] == UInt8(ascii: "e") || t[e] == UInt8(ascii: "E")
                    || t[e] == UInt8(ascii: "+") || t[e] == UInt8(ascii: "-") {
                    if isDigit(t[e]) { digits += 1 }
                    e += 1
                }
                if digits >= 7 {
                    var leaf = TextOutcome()
                    redactor.redact(UnsafeBufferPointer(rebasing: t[i..<e]), scratch: &scratch, into: &leaf)
                    if let text = leaf.text {
                        flush(upTo: i)
                        out!.append(UInt8(ascii: "\""))
                        escape(text, into: &out!)
                        out!.append(UInt8(ascii: "\""))
                        copied = e
                    }
                    merge(leaf, into: &outcome)
                }
                i = e
            default:
                i += 1
            }
        }
        guard depth == 0, sawContainer else { return .notJSON }
        if out != nil {
            flush(upTo: n)
            outcome.text = out
        }
        return .done
    }

    private static func merge(_ leaf: TextOutcome, into outcome: inout TextOutcome) {
        for (rule, k) in leaf.counts {
            if let i = outcome.counts.firstIndex(where: { $0.rule == rule }) { outcome.counts[i].n += k } else { outcome.counts.append((rule, k)) }
        }
        if leaf.drop { outcome.drop = true }
    }

    /// JSON string content (without quotes) to its UTF-8 bytes; nil for a bad escape.
    static func unescape(_ t: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(t.count)
        var i = 0
        let n = t.count
        while i < n {
            let c = t[i]
            guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
            guard i + 1 < n else { return nil }
            let e = t[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(t, i) else { return nil }
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 6 <= n, t[i] == UInt8(ascii: "\\"), t[i + 1] == UInt8(ascii: "u"), let low = hex4(t, i + 2),
                          (0xDC00...0xDFFF).contains(low) else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    return nil
                }
                guard let u = Unicode.Scalar(scalar) else { return nil }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: return nil
            }
        }
        return out
    }

    private static func hex4(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32? {
        guard i + 4 <= t.count else { return nil }
        var v: UInt32 = 0
        for k in i..<(i + 4) {
            let c = t[k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }

    /// UTF-8 text as JSON string content.
    static func escape(_ text: [UInt8], into out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        for c in text {
            switch c {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20: out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]])
            default: out.append(c)
            }
        }
    }
}
