import CollectorCore

/// Redacts a JSON document in place of the text, leaving every other byte (structure, whitespace)
/// as it was, so the result is still valid JSON with the same shape:
/// - string values and object keys are redacted (decoded first when they have escapes, a lone
///   surrogate read as U+FFFD, and escaped again);
/// - the value of a key on the deny list (`{"password": …}`) is replaced whole by `"<REDACTED>"`,
///   whatever it is (a string, a number, an object);
/// - a number long enough to be a card or phone number, however spelled (`4111111111111111`,
///   `4111111111111111.0`, `4.111111111111111e15`), is read as its digits and, when it matches,
///   becomes a string placeholder.
enum JSONLeafRedactor {
    enum Result {
        /// Not JSON (unbalanced, unterminated, a bad escape): the caller scans it as plain text.
        case notJSON
        /// Nesting deeper than allowed: the caller masks the whole value (fail closed).
        case tooDeep
        case done
    }

    static let redacted: [UInt8] = Array("\"<REDACTED>\"".utf8)

    static func redact(
        _ t: UnsafeBufferPointer<UInt8>, _ redactor: TextRedactor, maxDepth: Int,
        deniedKey: (UnsafeBufferPointer<UInt8>) -> Bool,
        scratch: inout [ScanMatch], into outcome: inout TextOutcome
    ) -> Result {
        let n = t.count
        var out: [UInt8]?  // allocated at the first change
        var copied = 0  // t[..<copied] is already in `out`
        var writer = JSONWriter(capacity: 0)  // escapes replaced values exactly as every JSON the project writes
        var depth = 0
        var sawContainer = false
        var i = 0
        func flush(upTo k: Int) {
            if out == nil { out = []; out!.reserveCapacity(n + 64) }
            out!.append(contentsOf: UnsafeBufferPointer(rebasing: t[copied..<k]))
        }
        /// Replaces `t[s..<e]` with `text` written as a JSON string.
        func replace(_ s: Int, _ e: Int, string text: [UInt8]) {
            flush(upTo: s)
            swap(&writer.bytes, &out!)  // the writer appends to the output in place
            text.withUnsafeBufferPointer { writer.writeStringBytes($0) }
            swap(&writer.bytes, &out!)
            copied = e
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
                var leaf = TextOutcome()
                var plain: [UInt8]?  // the decoded text, when it had escapes
                if escaped {
                    guard let decoded = decodeLeniently(UnsafeBufferPointer(rebasing: t[s..<e])) else { return .notJSON }
                    plain = decoded
                }
                if e > s {
                    if let plain {
                        plain.withUnsafeBufferPointer { redactor.redact($0, scratch: &scratch, into: &leaf) }
                    } else {
                        redactor.redact(UnsafeBufferPointer(rebasing: t[s..<e]), scratch: &scratch, into: &leaf)
                    }
                    if let text = leaf.text { replace(s - 1, e + 1, string: text) }
                    merge(leaf, into: &outcome)
                }
                i = e + 1
                if isKey {
                    let denied = plain.map { p in p.withUnsafeBufferPointer { deniedKey($0) } } ?? deniedKey(UnsafeBufferPointer(rebasing: t[s..<e]))
                    guard denied else { break }
                    // The key's value, whatever it is, is replaced whole.
                    var v = k + 1
                    while v < n, t[v] == 0x20 || t[v] == 0x0A || t[v] == 0x0D || t[v] == 0x09 { v += 1 }
                    guard let end = valueEnd(t, v, maxDepth: maxDepth - depth) else { return .notJSON }
                    flush(upTo: v)
                    out!.append(contentsOf: redacted)
                    copied = end
                    outcome.denied += 1
                    i = end
                }
            case UInt8(ascii: "-"), 0x30...0x39:
                var e = i + 1
                var digits = c == UInt8(ascii: "-") ? 0 : 1
                var plain = true
                while e < n,
                    isDigit(t[e]) || t[e] == UInt8(ascii: ".") || t[e] == UInt8(ascii: "e") || t[e] == UInt8(ascii: "E")
                        || t[e] == UInt8(ascii: "+") || t[e] == UInt8(ascii: "-")
                {
                    if isDigit(t[e]) { digits += 1 } else { plain = false }
                    e += 1
                }
                if digits >= 7 {
                    // A fraction or an exponent can spell an integer: read as its digits.
                    let token = UnsafeBufferPointer(rebasing: t[i..<e])
                    let asDigits = plain ? nil : integerDigits(token)
                    var leaf = TextOutcome()
                    if let asDigits {
                        asDigits.withUnsafeBufferPointer { redactor.redact($0, scratch: &scratch, into: &leaf) }
                    } else {
                        redactor.redact(token, scratch: &scratch, into: &leaf)
                    }
                    if let text = leaf.text { replace(i, e, string: text) }
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

    /// The digits of a number token that is an integer however written (`4.111111111111111e15`),
    /// below 10^19; nil otherwise.
    static func integerDigits(_ token: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let d = Double(String(decoding: token, as: UTF8.self)), d == d.rounded(), abs(d) < 1e19,
            let u = UInt64(exactly: abs(d))
        else { return nil }
        return Array(((d < 0 ? "-" : "") + String(u)).utf8)
    }

    /// Where the JSON value starting at `s` ends (one past it); nil when it is not one.
    static func valueEnd(_ t: UnsafeBufferPointer<UInt8>, _ s: Int, maxDepth: Int) -> Int? {
        let n = t.count
        guard s < n else { return nil }
        switch t[s] {
        case UInt8(ascii: "\""):
            var e = s + 1
            while e < n, t[e] != UInt8(ascii: "\"") { e += t[e] == UInt8(ascii: "\\") ? 2 : 1 }
            return e < n ? e + 1 : nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var e = s
            while e < n {
                switch t[e] {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    if depth > maxDepth { return nil }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return e + 1 }
                case UInt8(ascii: "\""):
                    e += 1
                    while e < n, t[e] != UInt8(ascii: "\"") { e += t[e] == UInt8(ascii: "\\") ? 2 : 1 }
                default: break
                }
                e += 1
            }
            return nil
        default:
            var e = s
            while e < n,
                !(t[e] == UInt8(ascii: ",") || t[e] == UInt8(ascii: "}") || t[e] == UInt8(ascii: "]")
                    || t[e] == 0x20 || t[e] == 0x0A || t[e] == 0x0D || t[e] == 0x09)
            { e += 1 }
            return e > s ? e : nil
        }
    }

    /// A JSON string's content with its escapes decoded; a lone surrogate becomes U+FFFD instead of
    /// failing (a failure would leave the text to be scanned still escaped). nil for a bad escape.
    static func decodeLeniently(_ t: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(t.count)
        var i = 0
        let n = t.count
        while i < n {
            let c = t[i]
            guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
            guard i + 1 < n else { return nil }
            switch t[i + 1] {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard let unit = NormalizedText.hex4(t, i + 2) else { return nil }
                var scalar = unit
                i += 6
                if (0xD800...0xDBFF).contains(unit) {
                    if i + 5 < n, t[i] == UInt8(ascii: "\\"), t[i + 1] == UInt8(ascii: "u"),
                        let low = NormalizedText.hex4(t, i + 2), (0xDC00...0xDFFF).contains(low)
                    {
                        scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00...0xDFFF).contains(unit) {
                    scalar = 0xFFFD
                }
                NormalizedText.appendUTF8(scalar, &out)
                continue
            default:
                return nil
            }
            i += 2
        }
        return out
    }

    private static func merge(_ leaf: TextOutcome, into outcome: inout TextOutcome) {
        for (rule, k) in leaf.counts {
            if let i = outcome.counts.firstIndex(where: { $0.rule == rule }) { outcome.counts[i].n += k } else { outcome.counts.append((rule, k)) }
        }
        if leaf.drop { outcome.drop = true }
        outcome.denied += leaf.denied
    }
}
