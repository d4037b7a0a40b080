import CollectorCore

/// Input and output: one framework family at a time, in Langfuse's order; the first family that
/// yields any truthy side supplies both sides (Vercel alone fills a missing side from GenAI keys).
extension SpanContext {
    public struct IO {
        public var input: RecordValue?
        public var output: RecordValue?
        /// Span attributes consumed as input/output (left out of `metadata.attributes`).
        public var consumed: [AttributeKey] = []
    }

    func found(_ io: IO) -> Bool { isTruthy(io.input) || isTruthy(io.output) }

    func isTruthy(_ v: RecordValue?) -> Bool {
        switch v {
        case nil: return false
        case .json(let j)?: return j.isTruthy
        case .attribute(let a)?: return batch.isTruthy(a)
        case .attributeTexts?: return true
        }
    }

    public func inputOutput() -> IO {
        var io = pair(.langfuseObservationInput, .langfuseObservationOutput)
        if found(io) { return io }
        if scopeName == ScopeName.genkit.rawValue { return genkitIO() }
        if scopeName == ScopeName.vercelAI.rawValue { return vercelIO() }
        if scopeName == ScopeName.flue.rawValue {
            io = IO(
                input: firstParsed([.flueTurnInput, .flueToolArguments, .flueTaskPrompt, .flueWorkflowPayload]).map(RecordValue.json),
                output: firstParsed([.flueTurnOutput, .flueToolResult, .flueTaskResult, .flueOperationResult, .flueWorkflowResult]).map(RecordValue.json))
            if found(io) { return io }
        }
        io = eventsIO()
        if found(io) { return io }
        io = adkIO()
        if found(io) { return io }
        io = pair(.logfirePrompt, .logfireAllMessagesEvents)
        if found(io) { return io }
        io = IO(
            input: firstTruthy([.livekitInputText, .livekitUserTranscript, .livekitChatContext]),
            output: firstTruthy([.livekitFunctionToolOutput, .livekitResponseText]))
        if found(io) { return io }
        io = logfireEventsIO()
        if found(io) { return io }
        // Ours: an OpenInference LLM span's structured messages beat its raw request/response text.
        if string(.openInferenceSpanKind) == "LLM", hasFamily(.llmInputMessages) || hasFamily(.llmOutputMessages) {
            io = IO(
                input: rebuilt(.llmInputMessages).map { .json(Self.chatMessages($0)) },
                output: rebuilt(.llmOutputMessages).map { .json(Self.chatMessages($0)) },
                consumed: [.inputValue, .outputValue].filter { has($0) })
            if found(io) { return io }
        }
        for (i, o) in Self.plainPairs {
            io = pair(i, o)
            if found(io) { return io }
        }
        if scopeName == ScopeName.pydanticAI.rawValue {
            io = pair(.pydanticAllMessages, .pydanticFinalResult)
            io.input = io.input.map { withSystemInstructions($0, from: value(.genAISystemInstructions)) }
            if found(io) { return io }
        }
        io = pair(.pydanticToolArguments, .pydanticToolResponse)
        if found(io) { return io }
        io = IO(input: flattened(.genAIPrompt, bare: .genAIPrompt), output: flattened(.genAICompletion, bare: .genAICompletion))
        if found(io) { return io }
        io = IO(input: flattened(.llmInputMessages, bare: nil), output: flattened(.llmOutputMessages, bare: nil))
        if found(io) { return io }
        io = genAIMessagesIO()
        if found(io) { return io }
        return IO()
    }

    /// MLflow, TraceLoop entity, OpenInference `input.value`, Pydantic/Pipecat — in that order.
    private static let plainPairs: [(AttributeKey, AttributeKey)] = [
        (.mlflowSpanInputs, .mlflowSpanOutputs), (.traceloopEntityInput, .traceloopEntityOutput),
        (.inputValue, .outputValue), (.pydanticInput, .pydanticOutput),
    ]

    private func pair(_ i: AttributeKey, _ o: AttributeKey) -> IO {
        let input = value(i), output = value(o)
        if input == nil && output == nil { return IO() }  // the common miss allocates nothing
        var consumed: [AttributeKey] = []
        if input != nil { consumed.append(i) }
        if output != nil { consumed.append(o) }
        return IO(input: input.map(RecordValue.attribute), output: output.map(RecordValue.attribute), consumed: consumed)
    }

    private func firstTruthy(_ keys: [AttributeKey]) -> RecordValue? {
        for k in keys { if let v = truthy(k) { return .attribute(v) } }
        return nil
    }

    private func firstParsed(_ keys: [AttributeKey]) -> JSONValue? {
        for k in keys where has(k) { return parsedJSON(k) ?? json(k) }
        return nil
    }

    private func genkitIO() -> IO {
        let input = parsedJSON(.genkitInput)
        let output = parsedJSON(.genkitOutput)
        return IO(
            input: input.map { .json($0["messages"] ?? $0) }, output: output.map { .json($0["message"] ?? $0) },
            consumed: [.genkitInput, .genkitOutput])
    }

    private func vercelIO() -> IO {
        var io = IO()
        io.input = firstTruthy([.aiPromptMessages, .aiPrompt, .aiToolCallArgs])
        if let text = value(.aiResponseText), let calls = value(.aiResponseToolCalls) {
            let toolCalls = parsedJSON(.aiResponseToolCalls) ?? batch.jsonValue(calls)
            io.output = .json(
                .string(
                    JSONWriter.serialize(
                        .object([
                            JSONMember("role", .string("assistant")), JSONMember("content", batch.jsonValue(text)),
                            JSONMember("tool_calls", toolCalls),
                        ]))))
        } else {
            io.output =
                truthy(.aiResponseText).map(RecordValue.attribute)
                ?? firstPresent([
                    .aiResultText, .aiToolCallResult, .aiResponseObject, .aiResultObject, .aiResponseToolCalls, .aiResultToolCalls,
                ])
        }
        let genAI = genAIMessagesIO()
        if io.input == nil { io.input = genAI.input }
        if io.output == nil { io.output = genAI.output }
        io.consumed = [
            .aiPromptMessages, .aiPrompt, .aiToolCallArgs, .aiResponseText, .aiResultText, .aiToolCallResult,
            .aiResponseObject, .aiResultObject, .aiResponseToolCalls, .aiResultToolCalls,
        ].filter { has($0) }
        return io
    }

    private func firstPresent(_ keys: [AttributeKey]) -> RecordValue? {
        for k in keys { if let v = value(k), v != .empty { return .attribute(v) } }
        return nil
    }

    private func adkIO() -> IO {
        func usable(_ k: AttributeKey) -> RecordValue? {
            guard let v = value(k), v != .empty, string(k) != "{}" else { return nil }
            return .attribute(v)
        }
        let input = usable(.adkLLMRequest) ?? value(.adkToolCallArgs).map(RecordValue.attribute)
        let output = usable(.adkLLMResponse) ?? value(.adkToolResponse).map(RecordValue.attribute)
        return IO(
            input: input, output: output,
            consumed: [.adkLLMRequest, .adkLLMResponse, .adkToolCallArgs, .adkToolResponse].filter { has($0) })
    }

    private func flattened(_ family: AttributeKeyPrefix, bare: AttributeKey?) -> RecordValue? {
        if let bare, let v = value(bare) { return .attribute(v) }
        return rebuilt(family).map(RecordValue.json)
    }

    private func rebuilt(_ family: AttributeKeyPrefix) -> JSONValue? {
        let entries = self.family(family).map { ($0.suffix, batch.jsonValue($0.value)) }
        return entries.isEmpty ? nil : FlattenedMessages.rebuild(entries, notes: &caches.notes)
    }

    /// `gen_ai.input.messages` / `gen_ai.output.messages`, else tool call arguments / result.
    func genAIMessagesIO() -> IO {
        if has(.genAIInputMessages) || has(.genAIOutputMessages) {
            let input = value(.genAIInputMessages).map { withSystemInstructions(.attribute($0), from: value(.genAISystemInstructions)) }
            let io = IO(
                input: input, output: value(.genAIOutputMessages).map(RecordValue.attribute),
                consumed: [.genAIInputMessages, .genAIOutputMessages, .genAISystemInstructions].filter { has($0) })
            if found(io) { return io }
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
        return .array(
            items.map { item in
                guard case .object(var message) = unwrap(item, "message") else { return item }
                if case .array(let calls)? = message.value(for: "tool_calls") {
                    message.set("tool_calls", .array(calls.map { unwrap($0, "tool_call") }))
                }
                return .object(message)
            })
    }
}
