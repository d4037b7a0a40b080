import CollectorCore

/// Input and output: one framework family at a time, in Langfuse's order; the first family that
/// yields any truthy side supplies both sides (Vercel alone fills a missing side from GenAI keys).
extension SpanContext {
    struct IO {
        var input: JSONValue?
        var output: JSONValue?
        /// Span attributes consumed as input/output (left out of `metadata.attributes`).
        var consumed: [AttributeKey] = []

        var found: Bool { (input?.isTruthy ?? false) || (output?.isTruthy ?? false) }
    }

    func inputOutput() -> IO {
        var io = pair(.langfuseObservationInput, .langfuseObservationOutput)
        if io.found { return io }
        if scopeName == ScopeName.genkit.rawValue { return genkitIO() }
        if scopeName == ScopeName.vercelAI.rawValue { return vercelIO() }
        if scopeName == ScopeName.flue.rawValue {
            io = IO(input: firstParsed([.flueTurnInput, .flueToolArguments, .flueTaskPrompt, .flueWorkflowPayload]),
                    output: firstParsed([.flueTurnOutput, .flueToolResult, .flueTaskResult, .flueOperationResult, .flueWorkflowResult]))
            if io.found { return io }
        }
        io = eventsIO()
        if io.found { return io }
        io = adkIO()
        if io.found { return io }
        let families: [(AttributeKey, AttributeKey)] = [(.logfirePrompt, .logfireAllMessagesEvents)]
        for (i, o) in families {
            io = pair(i, o)
            if io.found { return io }
        }
        io = IO(input: firstTruthy([.livekitInputText, .livekitUserTranscript, .livekitChatContext]),
                output: firstTruthy([.livekitFunctionToolOutput, .livekitResponseText]))
        if io.found { return io }
        io = logfireEventsIO()
        if io.found { return io }
        // Ours: an OpenInference LLM span's structured messages beat its raw request/response text.
        if string(.openInferenceSpanKind) == "LLM", hasFamily(.llmInputMessages) || hasFamily(.llmOutputMessages) {
            io = IO(input: flattened(.llmInputMessages, bare: nil).map(Self.chatMessages),
                    output: flattened(.llmOutputMessages, bare: nil).map(Self.chatMessages),
                    consumed: [.inputValue, .outputValue].filter { has($0) })
            if io.found { return io }
        }
        for (i, o) in [(AttributeKey.mlflowSpanInputs, AttributeKey.mlflowSpanOutputs),
                       (.traceloopEntityInput, .traceloopEntityOutput), (.inputValue, .outputValue),
                       (.pydanticInput, .pydanticOutput)] {
            io = pair(i, o)
            if io.found { return io }
        }
        if scopeName == ScopeName.pydanticAI.rawValue {
            io = pair(.pydanticAllMessages, .pydanticFinalResult)
            io.input = io.input.map { withSystemInstructions($0, from: value(.genAISystemInstructions)) }
            if io.found { return io }
        }
        io = pair(.pydanticToolArguments, .pydanticToolResponse)
        if io.found { return io }
        io = IO(input: flattened(.genAIPrompt, bare: .genAIPrompt), output: flattened(.genAICompletion, bare: .genAICompletion))
        if io.found { return io }
        io = IO(input: flattened(.llmInputMessages, bare: nil), output: flattened(.llmOutputMessages, bare: nil))
        if io.found { return io }
        io = genAIMessagesIO()
        if io.found { return io }
        return IO()
    }

    private func pair(_ i: AttributeKey, _ o: AttributeKey) -> IO {
        IO(input: json(i), output: json(o), consumed: [i, o].filter { has($0) })
    }

    private func firstTruthy(_ keys: [AttributeKey]) -> JSONValue? {
        for k in keys { if let v = truthyJSON(k) { return v } }
        return nil
    }

    private func firstParsed(_ keys: [AttributeKey]) -> JSONValue? {
        for k in keys where has(k) { return parsedJSON(k) ?? json(k) }
        return nil
    }

    private func genkitIO() -> IO {
        let input = parsedJSON(.genkitInput)
        let output = parsedJSON(.genkitOutput)
        return IO(input: input.map { $0["messages"] ?? $0 }, output: output.map { $0["message"] ?? $0 },
                  consumed: [.genkitInput, .genkitOutput])
    }

    private func vercelIO() -> IO {
        var io = IO()
        io.input = firstTruthy([.aiPromptMessages, .aiPrompt, .aiToolCallArgs])
        if let text = value(.aiResponseText), let calls = value(.aiResponseToolCalls) {
            let toolCalls = parsedJSON(.aiResponseToolCalls) ?? batch.jsonValue(calls)
            io.output = .string(JSONWriter.serialize(.object([
                JSONMember("role", .string("assistant")), JSONMember("content", batch.jsonValue(text)),
                JSONMember("tool_calls", toolCalls),
            ])))
        } else {
            io.output = truthyJSON(.aiResponseText) ?? firstPresent([
                .aiResultText, .aiToolCallResult, .aiResponseObject, .aiResultObject, .aiResponseToolCalls, .aiResultToolCalls,
            ])
        }
        let genAI = genAIMessagesIO()
        if io.input == nil { io.input = genAI.input }
        if io.output == nil { io.output = genAI.output }
        io.consumed = [.aiPromptMessages, .aiPrompt, .aiToolCallArgs, .aiResponseText, .aiResultText, .aiToolCallResult,
                       .aiResponseObject, .aiResultObject, .aiResponseToolCalls, .aiResultToolCalls].filter { has($0) }
        return io
    }

    private func firstPresent(_ keys: [AttributeKey]) -> JSONValue? {
        for k in keys { if let v = json(k), v != .null { return v } }
        return nil
    }

    private func adkIO() -> IO {
        func usable(_ k: AttributeKey) -> JSONValue? {
            guard let v = json(k), v != .string("{}"), v != .null else { return nil }
            return v
        }
        let input = usable(.adkLLMRequest) ?? json(.adkToolCallArgs)
        let output = usable(.adkLLMResponse) ?? json(.adkToolResponse)
        return IO(input: input, output: output,
                  consumed: [.adkLLMRequest, .adkLLMResponse, .adkToolCallArgs, .adkToolResponse].filter { has($0) })
    }

    private func flattened(_ family: AttributeKeyPrefix, bare: AttributeKey?) -> JSONValue? {
        if let bare, let v = json(bare) { return v }
        let entries = self.family(family).map { ($0.suffix, batch.jsonValue($0.value)) }
        return entries.isEmpty ? nil : FlattenedMessages.rebuild(entries)
    }

    /// `gen_ai.input.messages` / `gen_ai.output.messages`, else tool call arguments / result.
    func genAIMessagesIO() -> IO {
        if has(.genAIInputMessages) || has(.genAIOutputMessages) {
            let input = json(.genAIInputMessages).map { withSystemInstructions($0, from: value(.genAISystemInstructions)) }
            let io = IO(input: input, output: json(.genAIOutputMessages),
                        consumed: [.genAIInputMessages, .genAIOutputMessages, .genAISystemInstructions].filter { has($0) })
            if io.found { return io }
        }
        return pair(.genAIToolCallArguments, .genAIToolCallResult)
    }

    /// OpenInference nests each message as `{message: {...}}` and each call as `{tool_call: {...}}`;
    /// unwrapped, they are the chat messages Langfuse renders as a conversation.
    static func chatMessages(_ v: JSONValue) -> JSONValue {
        func unwrap(_ item: JSONValue, _ key: String) -> JSONValue {
            if case .object(let m) = item, m.count == 1, m[0].key == key { return m[0].value }
            return item
        }
        guard case .array(let items) = v else { return v }
        return .array(items.map { item in
            guard case .object(var message) = unwrap(item, "message") else { return item }
            if case .array(let calls)? = message.value(for: "tool_calls") {
                message.set("tool_calls", .array(calls.map { unwrap($0, "tool_call") }))
            }
            return .object(message)
        })
    }
}
