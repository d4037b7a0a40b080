import CollectorCore
import GenAIMapping
import Testing

@Suite(.timeLimit(.minutes(5)))
struct InputOutputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var note: String
        var attributes: [(String, String)]
        var scope = "test-scope"
        var input: String?
        var output: String?
        var testDescription: String { note }
    }

    /// Expected values are JSON texts of the expected input/output (a string attribute stays a string).
    static let cases: [Case] = [
        Case(
            note: "langfuse keys first",
            attributes: [
                ("langfuse.observation.input", "in"), ("input.value", "x"),
                ("langfuse.observation.output", "out"),
            ], input: "\"in\"", output: "\"out\""),
        Case(
            note: "winner takes both sides: input.value beats gen_ai.completion.*",
            attributes: [("input.value", "question"), ("gen_ai.completion.0.content", "answer")], input: "\"question\"", output: nil),
        Case(
            note: "mlflow before traceloop", attributes: [("mlflow.spanInputs", "a"), ("traceloop.entity.input", "b")],
            input: "\"a\"", output: nil),
        Case(
            note: "traceloop entity", attributes: [("traceloop.entity.input", "i"), ("traceloop.entity.output", "o")],
            input: "\"i\"", output: "\"o\""),
        Case(note: "pydantic/pipecat input/output", attributes: [("input", "i"), ("output", "o")], input: "\"i\"", output: "\"o\""),
        Case(
            note: "pydantic-ai messages with system instructions",
            attributes: [
                ("pydantic_ai.all_messages", "[{\"role\":\"user\",\"content\":\"hi\"}]"),
                ("gen_ai.system_instructions", "[{\"type\":\"text\",\"content\":\"Be nice\"}]"),
                ("final_result", "ok"),
            ], scope: "pydantic-ai",
            input: "\"[{\\\"role\\\":\\\"system\\\",\\\"content\\\":\\\"Be nice\\\"},{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"hi\\\"}]\"",
            output: "\"ok\""),
        Case(
            note: "pydantic-ai tool arguments", attributes: [("tool_arguments", "{}"), ("tool_response", "r")],
            input: "\"{}\"", output: "\"r\""),
        Case(
            note: "flattened gen_ai.prompt rebuild",
            attributes: [
                ("gen_ai.prompt.0.role", "user"), ("gen_ai.prompt.0.content", "hi"),
                ("gen_ai.completion.0.role", "assistant"), ("gen_ai.completion.0.content", "hello"),
            ],
            input: "[{\"role\":\"user\",\"content\":\"hi\"}]", output: "[{\"role\":\"assistant\",\"content\":\"hello\"}]"),
        Case(
            note: "bare gen_ai.completion is used as is", attributes: [("gen_ai.prompt", "p"), ("gen_ai.completion", "c")],
            input: "\"p\"", output: "\"c\""),
        Case(
            note: "flattened llm.input_messages (Langfuse shape outside OpenInference LLM spans)",
            attributes: [("llm.input_messages.0.message.role", "user")], input: "[{\"message\":{\"role\":\"user\"}}]", output: nil),
        Case(
            note: "ours: OpenInference LLM messages beat input.value, unwrapped",
            attributes: [
                ("openinference.span.kind", "LLM"), ("input.value", "{raw}"),
                ("llm.input_messages.0.message.role", "user"), ("llm.input_messages.0.message.content", "hi"),
                ("llm.output_messages.0.message.role", "assistant"),
            ],
            input: "[{\"role\":\"user\",\"content\":\"hi\"}]", output: "[{\"role\":\"assistant\"}]"),
        Case(
            note: "gen_ai.input.messages with system instructions prepended (string input stays a string)",
            attributes: [
                ("gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[]}]"), ("gen_ai.system_instructions", "sys"),
                ("gen_ai.output.messages", "[]"),
            ],
            input: "\"[{\\\"role\\\":\\\"system\\\",\\\"content\\\":\\\"sys\\\"},{\\\"role\\\":\\\"user\\\",\\\"parts\\\":[]}]\"",
            output: "\"[]\""),
        Case(
            note: "an existing system message is not duplicated",
            attributes: [("gen_ai.input.messages", "[{\"role\":\"system\",\"content\":\"x\"}]"), ("gen_ai.system_instructions", "sys")],
            input: "\"[{\\\"role\\\":\\\"system\\\",\\\"content\\\":\\\"x\\\"}]\"", output: nil),
        Case(
            note: "tool call arguments and result", attributes: [("gen_ai.tool.call.arguments", "{\"q\":1}"), ("gen_ai.tool.call.result", "42")],
            input: "\"{\\\"q\\\":1}\"", output: "\"42\""),
        Case(
            note: "ADK request/response",
            attributes: [
                ("gcp.vertex.agent.llm_request", "req"), ("gcp.vertex.agent.llm_response", "{}"),
                ("gcp.vertex.agent.tool_response", "tr"),
            ], input: "\"req\"", output: "\"tr\""),
        Case(note: "Logfire prompt", attributes: [("prompt", "p"), ("all_messages_events", "e")], input: "\"p\"", output: "\"e\""),
        Case(
            note: "Logfire events attribute",
            attributes: [("events", "[{\"event.name\":\"gen_ai.user.message\",\"content\":\"hi\"},{\"event.name\":\"gen_ai.choice\",\"index\":0}]")],
            input: "[{\"event.name\":\"gen_ai.user.message\",\"content\":\"hi\"}]", output: "{\"event.name\":\"gen_ai.choice\",\"index\":0}"),
        Case(
            note: "Vercel: prompt messages, response text", attributes: [("ai.prompt.messages", "[]"), ("ai.response.text", "t")],
            scope: "ai", input: "\"[]\"", output: "\"t\""),
        Case(
            note: "Vercel: text plus tool calls become one assistant message",
            attributes: [("ai.prompt", "p"), ("ai.response.text", "t"), ("ai.response.toolCalls", "[{\"toolName\":\"x\"}]")], scope: "ai",
            input: "\"p\"", output: "\"{\\\"role\\\":\\\"assistant\\\",\\\"content\\\":\\\"t\\\",\\\"tool_calls\\\":[{\\\"toolName\\\":\\\"x\\\"}]}\""),
        Case(
            note: "Vercel fills a missing side from gen_ai messages",
            attributes: [("ai.prompt", "p"), ("gen_ai.output.messages", "[1]")], scope: "ai", input: "\"p\"", output: "\"[1]\""),
        Case(
            note: "Genkit input messages and output message",
            attributes: [("genkit:input", "{\"messages\":[1],\"config\":{}}"), ("genkit:output", "{\"message\":{\"role\":\"model\"}}")],
            scope: "genkit-tracer", input: "[1]", output: "{\"role\":\"model\"}"),
        Case(note: "nothing", attributes: [("http.method", "GET")], input: nil, output: nil),
    ]

    @Test(arguments: cases)
    func family(_ c: Case) throws {
        let o = try observation(c.attributes.map { ($0.0, A.s($0.1)) }, scope: c.scope)
        #expect(o.input == c.input.map(json))
        #expect(o.output == c.output.map(json))
    }

    @Test func genAIMessageEvents() throws {
        let o = try observation([]) { span in
            span.events = [
                ("gen_ai.system.message", 1, [("content", .s("be brief"))]),
                ("gen_ai.user.message", 2, [("content", .s("hi"))]),
                ("gen_ai.choice", 3, [("index", .i(0)), ("message", .kv([("content", .s("hello"))]))]),
            ]
        }
        #expect(o.input == json(#"[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]"#))
        // Ours: the kvlist is an object, not the JSON text of its wrapper.
        #expect(o.output == json(#"{"index":0,"message":{"content":"hello"}}"#))
    }

    @Test func inferenceDetailsEventWins() throws {
        let o = try observation([("input.value", .s("ignored"))]) { span in
            span.events = [
                (
                    "gen_ai.client.inference.operation.details", 1,
                    [
                        ("gen_ai.input.messages", .s("[{\"role\":\"user\"}]")), ("gen_ai.output.messages", .s("[{\"role\":\"assistant\"}]")),
                    ]
                )
            ]
        }
        #expect(o.input == .string("[{\"role\":\"user\"}]"))
        #expect(o.output == .string("[{\"role\":\"assistant\"}]"))
    }

    @Test func legacyContentEvents() throws {
        let o = try observation([]) { span in
            span.events = [
                ("gen_ai.content.prompt", 1, [("gen_ai.prompt", .s("p"))]),
                ("gen_ai.content.completion", 2, [("other", .s("c"))]),
            ]
        }
        #expect(o.input == .string("p"))
        #expect(o.output == json(#"{"other":"c"}"#))
    }

    @Test func toolDefinitionsMoveIntoInput() throws {
        let defs = #"[{"name":"get_weather","parameters":{}}]"#
        let listInput = try observation([("gen_ai.input.messages", .arr([.s("m")])), ("gen_ai.tool.definitions", .s(defs))])
        #expect(listInput.input == json(#"{"messages":["m"],"tools":[{"name":"get_weather","parameters":{}}]}"#))
        #expect(listInput.metadata.value(for: "attributes")?["gen_ai.tool.definitions"] == nil)
        let stringInput = try observation([("input.value", .s("plain")), ("gen_ai.tool.definitions", .s(defs))])
        #expect(stringInput.input == json(#"{"prompt":"plain","tools":[{"name":"get_weather","parameters":{}}]}"#))
        let noInput = try observation([("gen_ai.tool.definitions", .s(defs))])
        #expect(noInput.input == json(#"{"tools":[{"name":"get_weather","parameters":{}}]}"#))
        let objectInput = try observation([
            ("input.value", .s(#"{"q":1,"tools":[{"name":"get_weather"}]}"#)),
            ("gen_ai.tool.definitions", .s(#"[{"name":"get_weather"},{"name":"other"}]"#)),
        ])
        #expect(objectInput.input == json(#"{"q":1,"tools":[{"name":"get_weather"},{"name":"other"}]}"#))
    }

    struct MetadataToolsCase: Sendable, CustomStringConvertible {
        let name: String
        let tools: A
        /// The observation's input after the move; nil: the tools stay in metadata, input as without them.
        let input: String?
        var description: String { name }
    }

    /// `gen_ai.tool.definitions` on every case: `b` (with `x`) and `c`.
    static let metadataToolCases: [MetadataToolsCase] = [
        MetadataToolsCase(
            name: "text list, both tool shapes, first wins by name",
            tools: .s(#"[{"name":"a"},{"type":"function","function":{"name":"b"}}]"#),
            input: #"{"messages":["m"],"tools":[{"name":"a"},{"type":"function","function":{"name":"b"}},{"name":"c"}]}"#),
        MetadataToolsCase(
            name: "a list of texts", tools: .arr([.s(#"{"name":"a"}"#), .s(#"{"name":"c","y":2}"#)]),
            input: #"{"messages":["m"],"tools":[{"name":"a"},{"name":"c","y":2},{"name":"b","x":1}]}"#),
        MetadataToolsCase(name: "empty list", tools: .s("[]"), input: nil),
        MetadataToolsCase(name: "an item without a name", tools: .s(#"[{"name":"a"},{"description":"d"}]"#), input: nil),
        MetadataToolsCase(name: "an item that is not an object", tools: .s(#"[{"name":"a"},"b"]"#), input: nil),
        MetadataToolsCase(name: "not JSON", tools: .s("[not json"), input: nil),
        MetadataToolsCase(name: "an object, not a list", tools: .s(#"{"name":"a"}"#), input: nil),
    ]

    /// Tools named in the observation's metadata (`tools`, here from `ai.telemetry.metadata.tools`) move
    /// into its input ahead of the attribute tools, de-duplicated by name, and leave its metadata; the
    /// trace's metadata keeps them and the trace's input does not get them.
    @Test(arguments: metadataToolCases)
    func toolsNamedInMetadataMoveIntoTheInput(_ c: MetadataToolsCase) throws {
        let r = try translate([
            TestSpan(attributes: [
                ("gen_ai.input.messages", .arr([.s("m")])), ("ai.telemetry.metadata.tools", c.tools),
                ("gen_ai.tool.definitions", .s(#"[{"name":"b","x":1},{"name":"c"}]"#)),
            ])
        ])
        let o = RenderedObservation(raw: r.observations[0], batch: r.batch)
        let withoutMetadataTools = json(#"{"messages":["m"],"tools":[{"name":"b","x":1},{"name":"c"}]}"#)
        #expect(o.input == (c.input.map(json) ?? withoutMetadataTools), "\(c.name)")
        #expect((o.metadata.value(for: "tools") == nil) == (c.input != nil), "\(c.name)")
        let trace = r.traces[0]
        #expect(r.json(trace.input) == withoutMetadataTools, "\(c.name)")
        #expect(r.json(trace.metadata)?.value(for: "tools") != nil, "\(c.name): the trace's metadata is never touched")
    }
}
