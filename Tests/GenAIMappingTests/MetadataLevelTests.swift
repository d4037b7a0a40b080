import CollectorCore
import GenAIMapping
import Testing

@Suite(.timeLimit(.minutes(5)))
struct MetadataTests {
    @Test func attributesAreStringifiedAndMessageFamiliesLeftOut() throws {
        let o = try observation([
            ("http.status", .i(200)), ("flag", .b(true)), ("list", .arr([.s("a")])),
            ("obj", .kv([("k", .s("v"))])), ("gen_ai.prompt.0.content", .s("hi")),
            ("langfuse.observation.metadata.x", .s("1")), ("input.value", .s("in")),
        ])
        let attrs = o.metadata.value(for: "attributes")
        #expect(attrs == json(#"{"http.status":"200","flag":"true","list":"[\"a\"]","obj":"{\"k\":\"v\"}"}"#))
        #expect(o.metadata.value(for: "x") == .string("1"))
    }

    /// Every attribute that may carry an input or output is left out of `metadata.attributes`, on the
    /// observation and on the trace, in every scope and whichever source won the input: the list as
    /// the fidelity issue gives it, written here independently of the mapping tables.
    static let ioKeys = [
        "langfuse.trace.input", "langfuse.trace.output", "langfuse.observation.input", "langfuse.observation.output",
        "ai.prompt.messages", "ai.prompt", "ai.toolCall.args", "ai.response.text", "ai.result.text", "ai.toolCall.result",
        "ai.response.object", "ai.result.object", "ai.response.toolCalls", "ai.result.toolCalls",
        "gcp.vertex.agent.llm_request", "gcp.vertex.agent.llm_response", "gcp.vertex.agent.tool_call_args",
        "gcp.vertex.agent.tool_response", "prompt", "all_messages_events", "events", "lk.input_text", "lk.user_transcript",
        "lk.chat_ctx", "lk.user_input", "lk.function_tool.output", "lk.response.text", "mlflow.spanInputs", "mlflow.spanOutputs",
        "traceloop.entity.input", "traceloop.entity.output", "input.value", "output.value", "final_result",
        "pydantic_ai.all_messages", "input", "output", "gen_ai.system_instructions", "gen_ai.input.messages",
        "gen_ai.output.messages", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "genkit:input", "genkit:output",
        "flue.turn.input", "flue.tool.arguments", "flue.task.prompt", "flue.workflow.payload", "flue.turn.output",
        "flue.tool.result", "flue.task.result", "flue.operation.result", "flue.workflow.result",
    ]
    /// Plain prefixes, no trailing dot: each of these starts with one.
    static let prefixedKeys = [
        "gen_ai.prompt", "gen_ai.prompt.0.content", "gen_ai.prompt_json", "gen_ai.completion", "gen_ai.completion.0.role",
        "gen_ai.completions", "llm.input_messages", "llm.input_messages.0.message.content", "llm.input_messages_count",
        "llm.output_messages.1.message.role", "llm.output_messagesx", "langfuse.trace.metadata", "langfuse.trace.metadata_v2",
        "langfuse.observation.metadata.k", "langfuse.observation.metadatax", "ai.telemetry.metadata", "ai.telemetry.metadataId",
    ]
    /// Near misses that stay.
    static let keptKeys = ["gen_ai.promp", "input.valuex", "my.input", "outputs", "ai.telemetry.functionId", "llm.input", "events.count"]

    @Test(arguments: ["test-scope", "ai", "genkit-tracer", "@flue/opentelemetry", "pydantic-ai", "gcp.vertex.agent", "livekit-agents"])
    func everyPossibleInputOutputKeyIsLeftOutOfAttributes(scope: String) throws {
        let keys = Self.ioKeys + Self.prefixedKeys
        // Langfuse's own input wins, so none of the others is consumed as input.
        var attributes: [(String, A)] = [("langfuse.observation.input", .s("won"))]
        attributes += keys.filter { $0 != "langfuse.observation.input" }.map { ($0, .s("v")) }
        attributes += Self.keptKeys.map { ($0, .s("kept")) }
        let r = try translate([TestSpan(attributes: attributes)], scope: scope)
        for (what, members) in [("observation", r.json(r.observations[0].metadata)), ("trace", r.json(r.traces[0].metadata))] {
            guard case .object(let kept)? = members?.value(for: "attributes") else {
                Issue.record("\(scope): the \(what) has no metadata.attributes")
                continue
            }
            let names = Set(kept.map(\.key))
            #expect(names == Set(Self.keptKeys), "\(scope), \(what): \(names.sorted())")
        }
    }

    @Test func resourceAttributesAndScopeKeepTheirTypes() throws {
        let o = try observation([], resource: [("service.name", .s("svc")), ("pid", .i(7))])
        #expect(o.metadata.value(for: "resourceAttributes") == json(#"{"service.name":"svc","pid":7}"#))
        #expect(o.metadata.value(for: "scope") == json(#"{"name":"test-scope","version":"1.0","attributes":{}}"#))
    }

    @Test func langfuseSDKScopesOmitAttributes() throws {
        let o = try observation([("some.key", .s("v"))], scope: "langfuse-sdk")
        #expect(o.metadata.value(for: "attributes") == nil)
    }

    @Test func blobThenDottedKeys() throws {
        let o = try observation([
            ("langfuse.observation.metadata", .s(#"{"a":1,"b":2}"#)), ("langfuse.observation.metadata.b", .s("dotted")),
            ("ai.telemetry.metadata.userId", .s("hidden")), ("ai.telemetry.metadata.feature", .s("f")),
            ("langfuse.observation.metadata.q", .s("\"quoted\"")),
        ])
        #expect(o.metadata.value(for: "a") == .int(1))
        #expect(o.metadata.value(for: "b") == .string("dotted"))
        #expect(o.metadata.value(for: "feature") == .string("f"))
        #expect(o.metadata.value(for: "userId") == nil)
        // Ours: a JSON-encoded string is unwrapped.
        #expect(o.metadata.value(for: "q") == .string("quoted"))
    }

    @Test func invalidBlobIsDroppedButTheSpanSurvives() throws {
        let o = try observation([("langfuse.observation.metadata", .s("{not json")), ("gen_ai.request.model", .s("m"))])
        #expect(o.type == .generation)
        #expect(o.metadata.value(for: "attributes") != nil)
    }

    @Test func traceMetadataLayers() throws {
        let r = try translate(
            [TestSpan(attributes: [("langfuse.trace.metadata.k", .s("span")), ("langfuse.trace.metadata.only", .s("x"))])],
            resource: [("langfuse.trace.metadata.k", .s("resource")), ("langfuse.trace.metadata.r", .s("y"))])
        let md = r.json(r.traces[0].metadata) ?? []
        #expect(md.value(for: "k") == .string("span"))
        #expect(md.value(for: "r") == .string("y"))
        #expect(md.value(for: "only") == .string("x"))
        let observationMetadata = r.json(r.observations[0].metadata) ?? []
        #expect(observationMetadata.value(for: "only") == nil)
        #expect(observationMetadata.value(for: "r") == .string("y"))
    }
}

@Suite(.timeLimit(.minutes(5)))
struct LevelTests {
    @Test(arguments: [
        ("warn", ObservationLevel.warning), ("Critical", .error), ("verbose", .debug), ("success", .default),
        ("bogus", .default),
    ])
    func levelAliases(_ raw: String, _ expected: ObservationLevel) throws {
        #expect(try observation([("langfuse.observation.level", .s(raw))]).level == expected)
    }

    @Test func errorStatusMakesAnErrorWithItsMessage() throws {
        let o = try observation([]) {
            $0.statusCode = 2; $0.statusMessage = "boom"
        }
        #expect(o.level == .error && o.statusMessage == "boom")
        let explicit = try observation([("langfuse.observation.status_message", .s("mine"))]) {
            $0.statusCode = 2; $0.statusMessage = "boom"
        }
        #expect(explicit.statusMessage == "mine")
    }

    @Test func oursExceptionEventGivesTheMessageOfAFailedSpan() throws {
        let o = try observation([]) { span in
            span.statusCode = 2
            span.events = [("exception", 5, [("exception.type", .s("ValueError")), ("exception.message", .s("bad input"))])]
        }
        #expect(o.statusMessage == "ValueError: bad input")
        let ok = try observation([]) { span in
            span.events = [("exception", 5, [("exception.message", .s("handled"))])]
        }
        #expect(ok.statusMessage == nil && ok.level == .default)
    }

    @Test func livekitNoiseIsDebug() throws {
        #expect(try observation([], name: "tts_node", scope: "livekit-agents").level == .debug)
    }

    @Test func completionStartTime() throws {
        #expect(
            try observation([("langfuse.observation.completion_start_time", .s("2024-05-01T10:00:00.123456+02:00"))])
                .completionStartTime == "2024-05-01T10:00:00.123456+02:00")
        #expect(
            try observation([("langfuse.observation.completion_start_time", .s("\"2024-05-01T10:00:00Z\""))])
                .completionStartTime == "2024-05-01T10:00:00Z")
        #expect(try observation([("langfuse.observation.completion_start_time", .s("soon"))]).completionStartTime == nil)
        #expect(try observation([("ai.response.msToFirstChunk", .d(12.2))]).completionStartTime == "2023-11-14T22:13:20.136Z")
        #expect(try observation([("gen_ai.response.time_to_first_chunk", .d(0.5))]).completionStartTime == "2023-11-14T22:13:20.623Z")
    }

    @Test func promptLinks() throws {
        let gen: [(String, A)] = [("langfuse.observation.type", .s("generation"))]
        let legacy = try observation(gen + [("langfuse.prompt.name", .s("p")), ("langfuse.prompt.version", .s("4"))])
        #expect(legacy.promptName == "p" && legacy.promptVersion == 4)
        let vercel = try observation(gen + [("ai.telemetry.metadata.langfusePrompt", .s(#"{"name":"vp","version":2}"#))])
        #expect(vercel.promptName == "vp" && vercel.promptVersion == 2)
        // Ours: a half link is dropped, the generation is kept.
        let half = try observation(gen + [("langfuse.observation.prompt.name", .s("p"))])
        #expect(half.type == .generation && half.promptName == nil && half.promptVersion == nil)
    }
}
