import CollectorCore
import GenAIMapping
import Testing

/// Observation type precedence, one row per rule (and the rule that must lose to it).
@Suite(.timeLimit(.minutes(5)))
struct ObservationTypeTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var note: String
        var attributes: [(String, String)]
        var scope = "test-scope"
        var name = "span"
        var expected: ObservationType
        var testDescription: String { note }
    }

    static let cases: [Case] = [
        Case(
            note: "langfuse.observation.type wins over everything",
            attributes: [("langfuse.observation.type", "tool"), ("openinference.span.kind", "LLM"), ("gen_ai.request.model", "m")],
            expected: .tool),
        Case(
            note: "unknown langfuse type falls through",
            attributes: [
                ("langfuse.observation.type", "invalid_type"),
                ("openinference.span.kind", "RETRIEVER"),
            ], expected: .retriever),
        Case(note: "langfuse type is case-sensitive", attributes: [("langfuse.observation.type", "GENERATION")], expected: .span),
        Case(note: "OpenInference LLM", attributes: [("openinference.span.kind", "LLM")], expected: .generation),
        Case(note: "OpenInference kinds are upper-case only", attributes: [("openinference.span.kind", "Agent")], expected: .span),
        Case(
            note: "OpenInference beats gen_ai.operation.name",
            attributes: [("openinference.span.kind", "CHAIN"), ("gen_ai.operation.name", "chat")], expected: .chain),
        Case(note: "gen_ai chat", attributes: [("gen_ai.operation.name", "chat")], expected: .generation),
        Case(note: "gen_ai embeddings", attributes: [("gen_ai.operation.name", "embeddings")], expected: .embedding),
        Case(note: "gen_ai execute_tool", attributes: [("gen_ai.operation.name", "execute_tool")], expected: .tool),
        Case(
            note: "invoke_agent beats a model attribute",
            attributes: [("gen_ai.operation.name", "invoke_agent"), ("gen_ai.request.model", "gpt-4o")], expected: .agent),
        Case(note: "ours: retrieval is a retriever", attributes: [("gen_ai.operation.name", "retrieval")], expected: .retriever),
        Case(note: "ours: invoke_workflow is a chain", attributes: [("gen_ai.operation.name", "invoke_workflow")], expected: .chain),
        Case(note: "Genkit model", attributes: [("genkit:metadata:subtype", "model")], expected: .generation),
        Case(note: "Genkit tool.v2", attributes: [("genkit:metadata:subtype", "tool.v2")], expected: .tool),
        Case(
            note: "Vercel doGenerate with a model",
            attributes: [("operation.name", "ai.generateText.doGenerate my-fn"), ("ai.model.id", "gpt-4o")], expected: .generation),
        Case(
            note: "Vercel doEmbed by operationId",
            attributes: [("ai.operationId", "ai.embed.doEmbed"), ("ai.model.id", "text-embedding-3")], expected: .embedding),
        Case(
            note: "Vercel outer span: only ai.model.id does not trigger the model fallback",
            attributes: [("operation.name", "ai.generateText"), ("ai.model.id", "gpt-4o")], expected: .span),
        Case(note: "Vercel toolCall", attributes: [("operation.name", "ai.toolCall search")], expected: .tool),
        Case(note: "gen_ai.tool.name", attributes: [("gen_ai.tool.name", "search")], expected: .tool),
        Case(note: "gen_ai.tool.call.id", attributes: [("gen_ai.tool.call.id", "call_1")], expected: .tool),
        Case(note: "Flue task", attributes: [("flue.task.id", "t1")], expected: .agent),
        Case(note: "LiveKit agent_turn", attributes: [], scope: "livekit-agents", name: "agent_turn", expected: .agent),
        Case(note: "LiveKit names need the LiveKit scope", attributes: [], name: "agent_turn", expected: .span),
        Case(note: "ours: traceloop tool kind", attributes: [("traceloop.span.kind", "tool")], expected: .tool),
        Case(note: "model fallback: llm.model_name", attributes: [("llm.model_name", "claude")], expected: .generation),
        Case(note: "model fallback: bare model key", attributes: [("model", "claude")], expected: .generation),
        Case(note: "empty model attributes stay a span", attributes: [("gen_ai.request.model", "")], expected: .span),
        Case(note: "nothing: span", attributes: [("http.method", "GET")], expected: .span),
    ]

    @Test(arguments: cases)
    func precedence(_ c: Case) throws {
        let o = try observation(c.attributes.map { ($0.0, A.s($0.1)) }, name: c.name, scope: c.scope)
        #expect(o.type == c.expected)
    }

    @Test func oldPythonSDKSpanWithGenerationKeysIsAGeneration() throws {
        let attrs: [(String, A)] = [("langfuse.observation.type", .s("span")), ("langfuse.observation.model.name", .s("gpt-4"))]
        let python: [(String, A)] = [("telemetry.sdk.language", .s("python"))]
        var span = TestSpan(attributes: attrs)
        span.name = "gen"
        let old = try translate([span], scope: "langfuse-sdk", scopeVersion: "3.2.0", resource: python)
        #expect(old.observations[0].type == .generation)
        let new = try translate([span], scope: "langfuse-sdk", scopeVersion: "3.9.0", resource: python)
        #expect(new.observations[0].type == .span)
    }

    @Test func promptLinkOnlyOnGenerations() throws {
        let prompt: [(String, A)] = [("langfuse.observation.prompt.name", .s("p")), ("langfuse.observation.prompt.version", .i(3))]
        let gen = try observation(prompt + [("langfuse.observation.type", .s("generation"))])
        #expect(gen.promptName == "p" && gen.promptVersion == 3)
        let span = try observation(prompt)
        #expect(span.promptName == nil && span.promptVersion == nil)
    }
}
