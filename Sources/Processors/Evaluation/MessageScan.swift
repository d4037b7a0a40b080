import CollectorCore

/// Chat messages' text straight from JSON bytes, without building the document: only the members a
/// message's text is made of (`role`, `content`, `parts`, `text`, `type`, `messages`, `tool_calls`)
/// are kept; every other value is skipped unread. Same shapes and result as `EvaluationText` over a
/// parsed document; nil when the bytes are not message-shaped JSON (or not JSON, or nested deeper
/// than it looks).
enum MessageScan {
    indirect enum Value {
        case string(String)
        case array([Value])
        case object([(key: String, value: Value)])
        /// A value it did not keep (a number, a literal, a member nobody reads).
        case other

        subscript(key: String) -> Value? {
            guard case .object(let members) = self else { return nil }
            return members.last { $0.key == key }?.value
        }

        var string: String? {
            if case .string(let s) = self { return s }
            return nil
        }
    }

    static let kept: [[UInt8]] = ["role", "content", "parts", "text", "type", "messages", "tool_calls"].map { Array($0.utf8) }
    static let maxDepth = 16

    /// The messages' text, one part per line; `.some(nil)` for messages without text; nil when not messages.
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String?? {
        var p = Parser(b: bytes)
        guard let v = p.value(keep: true, depth: 0) else { return nil }
        p.space()
        guard p.i == bytes.count, let messages = messages(v) else { return nil }
        let texts = messages.compactMap(contentText)
        return .some(texts.isEmpty ? nil : texts.joined(separator: "\n"))
    }

    static func messages(_ v: Value) -> [Value]? {
        switch v {
        case .array(let items): return !items.isEmpty && items.allSatisfy(isMessage) ? items : nil
        case .object:
            if isMessage(v) { return [v] }
            if let inner = v["messages"] { return messages(inner) }
            return nil
        default: return nil
        }
    }

    static func isMessage(_ v: Value) -> Bool {
        guard v["role"]?.string != nil else { return false }
        return v["content"] != nil || v["parts"] != nil || v["tool_calls"] != nil
    }

    static func contentText(_ m: Value) -> String? {
        if let s = m["content"]?.string { return s }
        var parts: [Value] = []
        if case .array(let a)? = m["content"] { parts = a } else if case .array(let a)? = m["parts"] { parts = a }
        let texts = parts.compactMap { p -> String? in
            if let s = p.string { return s }
            if let type = p["type"]?.string, type != "text" { return nil }
            return p["text"]?.string ?? p["content"]?.string
        }
        return texts.isEmpty ? nil : texts.joined(separator: "\n")
    }

    struct Parser {
        let b: UnsafeBufferPointer<UInt8>
        var i = 0

        mutating func space() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }

        /// One value; kept values are built, the rest only walked. Nil on malformed JSON.
        mutating func value(keep: Bool, depth: Int) -> Value? {
            space()
            guard i < b.count, depth < MessageScan.maxDepth else { return nil }
            switch b[i] {
            case UInt8(ascii: "\""):
                return string(decode: keep).map { keep ? .string($0) : .other }
            case UInt8(ascii: "["):
                i += 1
                var items: [Value] = []
                space()
                if i < b.count, b[i] == UInt8(ascii: "]") {
                    i += 1
                    return keep ? .array(items) : .other
                }
                while true {
                    guard let v = value(keep: keep, depth: depth + 1) else { return nil }
                    if keep { items.append(v) }
                    space()
                    guard i < b.count else { return nil }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "]") { i += 1; return keep ? .array(items) : .other }
                    return nil
                }
            case UInt8(ascii: "{"):
                i += 1
                var members: [(key: String, value: Value)] = []
                space()
                if i < b.count, b[i] == UInt8(ascii: "}") {
                    i += 1
                    return keep ? .object(members) : .other
                }
                while true {
                    space()
                    guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
                    let start = i + 1
                    guard let key = string(decode: false) else { return nil }
                    _ = key
                    let raw = UnsafeBufferPointer(rebasing: b[start..<(i - 1)])
                    let wanted = keep && MessageScan.kept.contains { $0.elementsEqual(raw) }
                    space()
                    guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
                    i += 1
                    guard let v = value(keep: wanted, depth: depth + 1) else { return nil }
                    if wanted { members.append((String(decoding: raw, as: UTF8.self), v)) }
                    space()
                    guard i < b.count else { return nil }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "}") { i += 1; return keep ? .object(members) : .other }
                    return nil
                }
            default:
                // A number or a literal: walked to its end (the full parser judges it when it matters).
                let start = i
                while i < b.count,
                    !(b[i] == UInt8(ascii: ",") || b[i] == UInt8(ascii: "]") || b[i] == UInt8(ascii: "}") || b[i] == 0x20
                        || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09)
                { i += 1 }
                return i > start ? .other : nil
            }
        }

        /// A string at `i` (on its opening quote); decoded when asked, else only skipped ("" back).
        mutating func string(decode: Bool) -> String? {
            i += 1
            let start = i
            var escaped = false
            while i < b.count, b[i] != UInt8(ascii: "\"") {
                if b[i] == UInt8(ascii: "\\") {
                    escaped = true
                    i += 1
                }
                i += 1
            }
            guard i < b.count else { return nil }
            let raw = UnsafeBufferPointer(rebasing: b[start..<i])
            i += 1
            guard decode else { return "" }
            guard escaped else { return String(decoding: raw, as: UTF8.self) }
            // Escapes are the parser's to decode (quotes included), as everywhere else.
            return JSONParser.decodeString(UnsafeBufferPointer(rebasing: b[(start - 1)..<i]))
        }
    }
}
