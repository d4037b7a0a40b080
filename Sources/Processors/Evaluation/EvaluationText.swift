import CollectorCore
import GenAISemantics

/// The text a rule reads from an input or output as the translator exports it: a plain string as
/// it is; chat messages (a list of them, one message, or `{"messages": [...]}`, as JSON or as a JSON
/// string) as the text of their contents, one message per line; any other JSON as written.
enum EvaluationText {
    static func text(_ v: RecordValue?, in batch: TraceBatch) -> String? {
        switch v {
        case nil, .attributeTexts?: return nil
        case .json(let j)?: return text(j)
        case .attribute(let a)?:
            guard case .string(let r) = a else { return text(batch.jsonValue(a)) }
            let s = batch.string(r)
            guard let first = s.utf8.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
                first == UInt8(ascii: "[") || first == UInt8(ascii: "{"),
                let parsed = JSONParser.parseIfJSON(s), let messages = messageText(parsed)
            else { return s }
            return messages
        }
    }

    static func text(_ j: JSONValue) -> String? {
        switch j {
        case .null: return nil
        case .string(let s): return s
        default: return messageText(j) ?? JSONWriter.serialize(j)
        }
    }

    /// Nil when `j` is not message-shaped.
    static func messageText(_ j: JSONValue) -> String? {
        switch j {
        case .array(let items):
            guard !items.isEmpty, items.allSatisfy(isMessage) else { return nil }
            return items.compactMap(contentText).joined(separator: "\n")
        case .object:
            if isMessage(j) { return contentText(j) ?? "" }
            if let inner = j["messages"], case .array = inner, let t = messageText(inner) { return t }
            return nil
        default: return nil
        }
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
