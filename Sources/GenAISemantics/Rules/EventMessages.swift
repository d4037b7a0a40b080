import CollectorCore

/// Input/output carried in span events (GenAI conventions, current and legacy) and in the
/// Logfire `events` attribute.
extension SpanContext {
    private static let roleEvents: [(GenAIEventName, String)] = [
        (.systemMessage, "system"), (.userMessage, "user"), (.assistantMessage, "assistant"), (.toolMessage, "tool"),
    ]

    private func eventName(_ e: SpanEvent) -> String { batch.string(e.name) }

    private func eventAttribute(_ e: SpanEvent, _ key: AttributeKey) -> AttributeValue? {
        batch.attributes[e.attributes.range].last(where: { batch.string($0.key) == key.rawValue })?.value
    }

    func eventsIO() -> IO {
        let events = batch.events[span.events.range]
        if events.isEmpty { return IO() }
        // 1. The GenAI 1.37+ single event with the whole exchange.
        if let details = events.last(where: { eventName($0) == GenAIEventName.inferenceDetails.rawValue }) {
            let input = eventAttribute(details, .genAIInputMessages).map(RecordValue.attribute)
            var io = IO(
                input: input.map { withSystemInstructions($0, from: eventAttribute(details, .genAISystemInstructions)) },
                output: eventAttribute(details, .genAIOutputMessages).map(RecordValue.attribute))
            if !found(io) {
                io = IO(
                    input: eventAttribute(details, .genAIToolCallArguments).map(RecordValue.attribute),
                    output: eventAttribute(details, .genAIToolCallResult).map(RecordValue.attribute))
            }
            if found(io) { return io }
        }
        // 2. One event per message, and gen_ai.choice for the output.
        var messages: [JSONValue] = []
        var choices: [JSONValue] = []
        for e in events {
            let name = eventName(e)
            if let role = Self.roleEvents.first(where: { $0.0.rawValue == name })?.1 {
                messages.append(.object([JSONMember("role", .string(role))] + batch.jsonObject(e.attributes)))
            } else if name == GenAIEventName.choice.rawValue {
                choices.append(.object(batch.jsonObject(e.attributes)))
            }
        }
        if !messages.isEmpty || !choices.isEmpty {
            return IO(
                input: messages.isEmpty ? nil : .json(.array(messages)),
                output: choices.isEmpty ? nil : .json(choices.count == 1 ? choices[0] : .array(choices)))
        }
        // 3. Legacy gen_ai.content.prompt / gen_ai.content.completion events.
        func legacy(_ name: GenAIEventName, _ key: AttributeKey) -> RecordValue? {
            guard let e = events.last(where: { eventName($0) == name.rawValue }) else { return nil }
            if let v = eventAttribute(e, key) { return .attribute(v) }
            return .json(.object(batch.jsonObject(e.attributes)))
        }
        return IO(input: legacy(.contentPrompt, .genAIPrompt), output: legacy(.contentCompletion, .genAICompletion))
    }

    /// Logfire's `events` attribute: a JSON list where the `gen_ai.choice` entry is the output.
    func logfireEventsIO() -> IO {
        guard has(.logfireEvents), case .array(let items)? = parsedJSON(.logfireEvents) else { return IO() }
        var input: [JSONValue] = []
        var output: JSONValue?
        for item in items {
            if item["event.name"]?.stringValue == GenAIEventName.choice.rawValue { output = item } else { input.append(item) }
        }
        return IO(input: input.isEmpty ? nil : .json(.array(input)), output: output.map(RecordValue.json), consumed: [.logfireEvents])
    }

    /// Prepends `{role: system, content}` to a message list that has no system message yet.
    /// A JSON-text input is parsed and written back as compact JSON text.
    func withSystemInstructions(_ input: RecordValue, from instructions: AttributeValue?) -> RecordValue {
        guard let instructions, batch.isTruthy(instructions) else { return input }
        var parsedFromText = false
        var list: [JSONValue]
        switch batch.json(input) {
        case .array(let a): list = a
        case .string(let s):
            guard case .array(let a)? = JSONParser.parseIfJSON(s) else { return input }
            list = a
            parsedFromText = true
        default: return input
        }
        if list.contains(where: { $0["role"]?.stringValue == "system" }) { return input }
        let content: String
        var raw = batch.jsonValue(instructions)
        if case .string(let s) = raw, let parsed = JSONParser.parseIfJSON(s), case .array = parsed { raw = parsed }
        switch raw {
        case .array(let parts):
            content = parts.map { $0["content"]?.stringValue ?? ($0.stringValue ?? JSONWriter.serialize($0)) }.joined(separator: "\n")
        case .string(let s): content = s
        default: content = JSONWriter.serialize(raw)
        }
        list.insert(.object([JSONMember("role", .string("system")), JSONMember("content", .string(content))]), at: 0)
        return .json(parsedFromText ? .string(JSONWriter.serialize(.array(list))) : .array(list))
    }
}
