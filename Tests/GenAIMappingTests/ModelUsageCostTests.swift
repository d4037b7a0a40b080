import CollectorCore
import GenAIMapping
import Testing

@Suite(.timeLimit(.minutes(5)))
struct ModelTests {
    @Test func responseModelBeatsRequestModel() throws {
        let o = try observation([("gen_ai.request.model", .s("gpt-4o")), ("gen_ai.response.model", .s("gpt-4o-2024-08-06"))])
        #expect(o.model == "gpt-4o-2024-08-06")
    }

    @Test func langfuseModelNameWins() throws {
        let o = try observation([("langfuse.observation.model.name", .s("mine")), ("gen_ai.response.model", .s("theirs"))])
        #expect(o.model == "mine")
    }

    @Test func modelFallsBackThroughTheChain() throws {
        #expect(try observation([("ai.model.id", .s("a")), ("gen_ai.request.model", .s("b"))]).model == "a")
        #expect(try observation([("llm.model_name", .s("c")), ("model", .s("d"))]).model == "c")
        #expect(try observation([("model", .s("d"))]).model == "d")
    }

    @Test func parametersFromRequestKeys() throws {
        let o = try observation([
            ("gen_ai.request.model", .s("m")), ("gen_ai.request.temperature", .d(0.5)),
            ("gen_ai.request.stop_sequences", .arr([.s("x")])), ("gen_ai.request.max_tokens", .i(10)),
        ])
        #expect(
            o.modelParameters == [
                JSONMember("temperature", .double(0.5)), JSONMember("stop_sequences", .string(#"["x"]"#)),
                JSONMember("max_tokens", .int(10)),
            ])
    }

    @Test func explicitParametersWin() throws {
        let o = try observation([
            ("langfuse.observation.model.parameters", .s(#"{"temperature":0,"tools":[1]}"#)),
            ("gen_ai.request.top_p", .d(1)),
        ])
        #expect(o.modelParameters == [JSONMember("temperature", .int(0)), JSONMember("tools", .string("[1]"))])
    }

    @Test func invocationParametersJSON() throws {
        let o = try observation([("llm.invocation_parameters", .s(#"{"temperature":0.2}"#))])
        #expect(o.modelParameters == [JSONMember("temperature", .double(0.2))])
    }

    @Test func vercelFixedParameterSet() throws {
        let o = try observation(
            [
                ("ai.model.id", .s("m")), ("gen_ai.request.temperature", .d(0.3)), ("ai.settings.maxRetries", .i(2)),
                ("langfuse.observation.model.parameters", .s(#"{"mode":"json"}"#)),
            ], scope: "ai")
        let params = o.modelParameters ?? []
        #expect(params.value(for: "temperature") == .string("0.3"))
        #expect(params.value(for: "maxRetries") == .string("2"))
        #expect(params.value(for: "mode") == .string("json"))
        #expect(params.value(for: "maxSteps") == nil)  // ours: absent settings are left out
    }
}

@Suite(.timeLimit(.minutes(5)))
struct UsageTests {
    func usage(_ attrs: [(String, A)], scope: String = "test-scope") throws -> [String: Int64]? {
        guard let u = try observation(attrs, scope: scope).usageDetails else { return nil }
        return Dictionary(uniqueKeysWithValues: u.pairs)
    }

    @Test func genericGenAIUsageSplitsCachedAndReasoning() throws {
        let u = try usage([
            ("gen_ai.usage.input_tokens", .i(100)), ("gen_ai.usage.output_tokens", .i(50)),
            ("gen_ai.usage.cache_read.input_tokens", .i(30)), ("gen_ai.usage.cache_creation.input_tokens", .i(10)),
            ("gen_ai.usage.reasoning.output_tokens", .i(20)),
        ])
        #expect(
            u == [
                "input": 60, "output": 30, "total": 150, "input_cached_tokens": 30, "input_cache_creation": 10,
                "output_reasoning_tokens": 20,
            ])
    }

    @Test func legacyNamesAndOpenInferenceCounts() throws {
        #expect(
            try usage([("gen_ai.usage.prompt_tokens", .i(5)), ("gen_ai.usage.completion_tokens", .i(7))])
                == ["input": 5, "output": 7, "total": 12])
        #expect(
            try usage([
                ("llm.token_count.prompt", .i(21)), ("llm.token_count.completion", .i(8)), ("llm.token_count.total", .i(29)),
                ("llm.token_count.prompt_details.cache_read", .i(4)),
            ])
                == ["input": 17, "output": 8, "total": 29, "input_cached_tokens": 4])
    }

    @Test func totalIsAlwaysPresentAndOtherKeysPassThrough() throws {
        #expect(
            try usage([("gen_ai.usage.input_tokens", .i(3)), ("gen_ai.usage.details.custom_tokens", .i(2))])
                == ["input": 3, "total": 5, "custom_tokens": 2])
        #expect(try usage([("gen_ai.usage.cost", .d(0.5))]) == nil)
    }

    @Test func openAIUsageObjectInUsageDetails() throws {
        let details =
            #"{"prompt_tokens":21,"completion_tokens":8,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}"#
        #expect(
            try usage([("langfuse.observation.usage_details", .s(details))])
                == ["input": 17, "output": 6, "total": 29, "input_cached_tokens": 4, "output_reasoning_tokens": 2])
    }

    @Test func plainUsageDetailsKeepOnlyNonNegativeIntegers() throws {
        #expect(
            try usage([("langfuse.observation.usage_details", .s(#"{"input":10,"output":2.5,"bad":-1,"x":"7"}"#))])
                == ["input": 10, "total": 17, "x": 7])
    }

    @Test func unusableUsageDetails() throws {
        // A non-object stops the chain (no fallback); text that is not JSON falls through.
        #expect(try usage([("langfuse.observation.usage_details", .s("[1,2]")), ("gen_ai.usage.input_tokens", .i(3))]) == nil)
        #expect(
            try usage([("langfuse.observation.usage_details", .s("not json")), ("gen_ai.usage.input_tokens", .i(3))])
                == ["input": 3, "total": 3])
    }

    @Test func vercelUsageWithProviderMetadata() throws {
        let meta = #"{"anthropic":{"usage":{"cache_creation_input_tokens":5,"cache_read_input_tokens":7}}}"#
        #expect(
            try usage(
                [
                    ("gen_ai.usage.input_tokens", .i(100)), ("gen_ai.usage.output_tokens", .i(10)), ("ai.usage.tokens", .i(110)),
                    ("ai.response.providerMetadata", .s(meta)),
                ], scope: "ai")
                == ["input": 88, "output": 10, "total": 110, "input_cache_creation": 5, "input_cached_tokens": 7])
    }

    /// Genkit: thoughts are `output_reasoning` (not `output_reasoning_tokens`), come out of output
    /// floored at 0, and a key is written only when its count is not zero.
    @Test(
        arguments: [
            (#"{"inputTokens":10,"outputTokens":9,"totalTokens":19,"thoughtsTokens":4}"#, ["input": 10, "output": 5, "total": 19, "output_reasoning": 4]),
            (#"{"inputTokens":10,"outputTokens":3,"totalTokens":19,"thoughtsTokens":4}"#, ["input": 10, "total": 19, "output_reasoning": 4]),
            (#"{"inputTokens":10,"outputTokens":9,"totalTokens":19,"thoughtsTokens":0}"#, ["input": 10, "output": 9, "total": 19]),
            (#"{"inputTokens":0,"outputTokens":7,"thoughtsTokens":2}"#, ["output": 5, "total": 7, "output_reasoning": 2]),
            (#"{"inputTokens":0,"outputTokens":0,"totalTokens":0}"#, nil),
        ] as [(String, [String: Int64]?)])
    func genkitUsage(_ usageJSON: String, _ want: [String: Int64]?) throws {
        let out = #"{"usage":"# + usageJSON + "}"
        #expect(try usage([("genkit:output", .s(out))], scope: "genkit-tracer") == want)
    }

    /// Google ADK: the cached count in the `llm_response` blob comes out of input, and `total` is the
    /// sum of the buckets after that split (not the span's own total); without a cached count the
    /// span's total stands.
    @Test(
        arguments: [
            (#"{"usage_metadata":{"cached_content_token_count":30}}"#, ["input": 70, "input_cached_tokens": 30, "output": 20, "total": 120]),
            (#"{"usage_metadata":{}}"#, ["input": 100, "output": 20, "total": 130]),
            (nil, ["input": 100, "output": 20, "total": 130]),
        ] as [(String?, [String: Int64])])
    func adkTotalsAfterTheCacheSplit(_ response: String?, _ want: [String: Int64]) throws {
        var attributes: [(String, A)] = [
            ("gen_ai.usage.input_tokens", .i(100)), ("gen_ai.usage.output_tokens", .i(20)), ("gen_ai.usage.total_tokens", .i(130)),
        ]
        if let response { attributes.append(("gcp.vertex.agent.llm_response", .s(response))) }
        #expect(try usage(attributes, scope: "gcp.vertex.agent") == want)
    }

    @Test func invokeAgentKeepsUsageOutsideTheVercelSDK() throws {
        let attrs: [(String, A)] = [
            ("gen_ai.operation.name", .s("invoke_agent")), ("gen_ai.request.model", .s("gpt-4o")),
            ("gen_ai.usage.input_tokens", .i(9)), ("gen_ai.usage.cost", .d(0.01)),
        ]
        let other = try observation(attrs, scope: "openai-agents")
        #expect(other.type == .agent)
        #expect(other.model == "gpt-4o")
        #expect(other.usageDetails?["input"] == 9)
        #expect(other.costDetails?["total"] == 0.01)
        let vercel = try observation(attrs, scope: "ai")
        #expect(vercel.model == nil && vercel.usageDetails == nil && vercel.costDetails == nil)
        // Strands Agents' invoke_agent repeats its chats' tokens (Tests/Fixtures/frameworks/strands.otlp.pb).
        let strands = try observation(attrs, scope: "strands.telemetry.tracer")
        #expect(strands.type == .agent)
        #expect(strands.model == nil && strands.usageDetails == nil && strands.costDetails == nil)
    }
}

@Suite(.timeLimit(.minutes(5)))
struct CostTests {
    @Test func providedCostDetailsWithComputedTotal() throws {
        let o = try observation([("langfuse.observation.cost_details", .s(#"{"input":0.001,"output":0.002,"bad":-1}"#))])
        #expect(o.costDetails?.pairs.map(\.0) == ["input", "output", "total"])
        #expect(abs((o.costDetails?["total"] ?? 0) - 0.003) < 1e-12)
    }

    @Test func usageCostAndOpenInferenceCost() throws {
        #expect(try observation([("gen_ai.usage.cost", .d(0.25))]).costDetails?["total"] == 0.25)
        #expect(try observation([("llm.cost.total", .s("0.5"))]).costDetails?["total"] == 0.5)
        #expect(try observation([("gen_ai.usage.input_tokens", .i(1))]).costDetails == nil)
    }
}
