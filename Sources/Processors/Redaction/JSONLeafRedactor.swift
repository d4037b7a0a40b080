import CollectorCore

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
        var writer = JSONWriter(capacity: 0)  // escapes replaced values exactly as every JSON the project writes
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
                        // Decoded by the project's JSON parser, redacted, and written back by its writer.
                        guard let decoded = JSONParser.decodeString(UnsafeBufferPointer(rebasing: t[(s - 1)...e])) else { return .notJSON }
                        let bytes = Array(decoded.utf8)
                        bytes.withUnsafeBufferPointer { redactor.redact($0, scratch: &scratch, into: &leaf) }
                                            } else {
                        redactor.redact(UnsafeBufferPointer(rebasing: t[s..<e]), scratch: &scratch, into: &leaf)
                    }
                    if let text = leaf.text {
                        flush(upTo: s - 1)
                        swap(&writer.bytes, &out!)  // the writer appends to the output in place
                        text.withUnsafeBufferPointer { writer.writeStringBytes($0) }
                        swap(&writer.bytes, &out!)
                        copied = e + 1
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
                        swap(&writer.bytes, &out!)  // the writer appends to the output in place
                        text.withUnsafeBufferPointer { writer.writeStringBytes($0) }
                        swap(&writer.bytes, &out!)
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
}
