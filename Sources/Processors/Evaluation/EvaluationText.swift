import CollectorCore
import GenAISemantics

/// The text a rule reads from an input or output as the translator exports it: a plain string as
/// it is; chat messages (a list of them, one message, or `{"messages": [...]}`, as JSON or as a JSON
/// string) as the text of their contents, one part per line, or no text when they have none (a
/// call that only asks for a tool); any other JSON as written.
enum EvaluationText {
    static func text(_ v: RecordValue?, in batch: TraceBatch) -> String? {
        switch v {
        case nil, .attributeTexts?: return nil
        case .json(let j)?: return text(j)
        case .attribute(let a)?:
            guard case .string(let r) = a else { return text(batch.jsonValue(a)) }
            // Messages are read straight from the bytes (`MessageScan`); anything else is the text.
            let scanned: String?? = batch.bytes.withUnsafeBufferPointer { all in
                let bytes = UnsafeBufferPointer(rebasing: all[r.lowerBound..<r.upperBound])
                guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
                    first == UInt8(ascii: "[") || first == UInt8(ascii: "{")
                else { return nil }
                return MessageScan.text(bytes)
            }
            if let scanned { return scanned }
            return batch.string(r)
        }
    }

    static func text(_ j: JSONValue) -> String? {
        switch j {
        case .null: return nil
        case .string(let s): return s
        default:
            if let m = messages(j) { return joined(m) }
            return JSONWriter.serialize(j)
        }
    }

    /// The messages, or nil when `j` is not message-shaped.
    static func messages(_ j: JSONValue) -> [JSONValue]? {
        switch j {
        case .array(let items):
            return !items.isEmpty && items.allSatisfy(isMessage) ? items : nil
        case .object:
            if isMessage(j) { return [j] }
            if let inner = j["messages"] { return messages(inner) }
            return nil
        default: return nil
        }
    }

    static func joined(_ messages: [JSONValue]) -> String? {
        let texts = messages.compactMap(contentText)
        return texts.isEmpty ? nil : texts.joined(separator: "\n")
    }

    static func isMessage(_ j: JSONValue) -> Bool {
        guard j["role"]?.stringValue != nil else { return false }
        return j["content"] != nil || j["parts"] != nil || j["tool_calls"] != nil
    }

    /// A message's text: `content` as a string or a list of parts, or OpenTelemetry's `parts`.
    static func contentText(_ m: JSONValue) -> String? {
        if let s = m["content"]?.stringValue { return s }
        let parts = m["content"]?.arrayValue ?? m["parts"]?.arrayValue ?? []
        let texts = parts.compactMap { p -> String? in
            if let s = p.stringValue { return s }
            if let type = p["type"]?.stringValue, type != "text" { return nil }
            return p["text"]?.stringValue ?? p["content"]?.stringValue
        }
        return texts.isEmpty ? nil : texts.joined(separator: "\n")
    }
}
