import CollectorCore

/// Tool definitions offered to the model are moved from attributes into the input, where a
/// Langfuse user looks for them.
extension SpanContext {
    public struct Tools {
        public var definitions: [JSONValue] = []
        var consumed: [AttributeKey] = []
        var consumedLLMTools = false
    }

    public func toolDefinitions() -> Tools {
        var tools = Tools()
        func add(_ v: JSONValue) {
            var item = v
            if case .string(let s) = v, let parsed = JSONParser.parseIfJSON(s) { item = parsed }
            tools.definitions.append(item)
        }
        for key in MappingTables.toolDefinitionKeys where has(key) {
            let v = parsedJSON(key) ?? json(key) ?? .null
            if case .array(let items) = v { items.forEach(add) } else { add(v) }
            tools.consumed.append(key)
        }
        if case .array(let items)? = parsedJSON(.pydanticModelRequestParameters)?["function_tools"] {
            items.forEach(add)
        }
        for (suffix, v) in family(.llmTools) where suffix.hasSuffix(".tool.json_schema") {
            add(batch.jsonValue(v))
            tools.consumedLLMTools = true
        }
        return tools
    }

    /// Merges tool definitions into an input value as Langfuse shapes it, de-duplicated by name
    /// (the first wins; a tool without a name is kept).
    public func inputWithTools(_ input: RecordValue?, _ tools: [JSONValue]) -> RecordValue? {
        guard !tools.isEmpty else { return input }
        var seen = Set<String>()
        let unique = tools.filter { tool in Self.toolName(tool).map { seen.insert($0).inserted } ?? true }
        return .json(merge(input.map { batch.json($0) }, unique))
    }

    /// User metadata's top-level `tools` (say from `ai.telemetry.metadata.tools`), when it is a
    /// non-empty list (parsed if text) whose every item (parsed if text) is an object with `name` or
    /// `function.name`: those tools. Nil otherwise, and the metadata keeps the key.
    public static func metadataTools(_ value: JSONValue) -> [JSONValue]? {
        func parsed(_ v: JSONValue) -> JSONValue? {
            guard case .string(let s) = v else { return v }
            return JSONParser.parseIfJSON(s)
        }
        guard case .array(let items)? = parsed(value), !items.isEmpty else { return nil }
        var tools: [JSONValue] = []
        for item in items {
            guard let tool = parsed(item), case .object = tool, toolName(tool) != nil else { return nil }
            tools.append(tool)
        }
        return tools
    }

    private func merge(_ input: JSONValue?, _ tools: [JSONValue]) -> JSONValue {
        var value = input
        if case .string(let s)? = input, let parsed = JSONParser.parseIfJSON(s), parsed.arrayValue != nil || parsed.objectValue != nil {
            value = parsed
        }
        switch value {
        case nil, .null?:
            return .object([JSONMember("tools", .array(tools))])
        case .array(let messages)?:
            return .object([JSONMember("messages", .array(messages)), JSONMember("tools", .array(tools))])
        case .object(var members)?:
            var merged = members.value(for: "tools")?.arrayValue ?? []
            let names = Set(merged.compactMap(Self.toolName))
            merged += tools.filter { Self.toolName($0).map { !names.contains($0) } ?? true }
            members.set("tools", .array(merged))
            return .object(members)
        case .some(let other):
            return .object([JSONMember("prompt", other), JSONMember("tools", .array(tools))])
        }
    }

    private static func toolName(_ tool: JSONValue) -> String? {
        tool["name"]?.stringValue ?? tool["function"]?["name"]?.stringValue
    }
}
