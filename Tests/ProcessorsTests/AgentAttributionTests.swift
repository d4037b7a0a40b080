import CollectorCore
import GenAIMapping
import GenAISemantics
import OTLP
import Processors
import Testing

/// `agent_attribution` on whole traces written by hand: who owns each observation, which agent and
/// chain spans only repeat their model calls' usage, and the trace-level histograms.
@Suite struct AgentAttributionTests {
    /// One span of OTLP/JSON: id, parent, name, attributes (string values unless a number).
    static func span(
        _ id: String, _ parent: String?, _ name: String, _ attributes: [(String, Any)], trace: String = trace, start: Int = 1, end: Int = 2
    ) -> String {
        let attrs = attributes.map { k, v in
            let value = v is Int ? #"{"intValue":"\#(v)"}"# : #"{"stringValue":"\#(v)"}"#
            return #"{"key":"\#(k)","value":\#(value)}"#
        }.joined(separator: ",")
        let p = parent.map { #""parentSpanId":"\#($0)","# } ?? ""
        return
            #"{"traceId":"\#(trace)","spanId":"\#(id)",\#(p)"name":"\#(name)","startTimeUnixNano":"\#(start)000000000","endTimeUnixNano":"\#(end)000000000","attributes":[\#(attrs)]}"#
    }

    static let trace = "0af7651916cd43dd8448eb211c80319c"

    static func batch(_ spans: [String]) throws -> TraceBatch {
        try OTLPJSONDecoder().decode(
            Array(
                #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"agents"}}]},"scopeSpans":[{"scope":{"name":"test"},"spans":[\#(spans.joined(separator: ","))]}]}]}"#
                    .utf8))
    }

    static func usage(_ input: Int, _ output: Int) -> [(String, Any)] { [("gen_ai.usage.input_tokens", input), ("gen_ai.usage.output_tokens", output)] }
    static func agent(_ name: String) -> [(String, Any)] { [("gen_ai.operation.name", "invoke_agent"), ("gen_ai.agent.name", name)] }
    static func chat() -> [(String, Any)] { [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o-mini")] }
    static var chain: [(String, Any)] { [("openinference.span.kind", "CHAIN")] }
    static var tool: [(String, Any)] { [("gen_ai.operation.name", "execute_tool"), ("gen_ai.tool.name", "ask_researcher")] }

    /// A workflow (chain) → planner agent (cumulative usage 30/10) → its chat (10/5) and a tool →
    /// researcher agent (20/5, its chat's) → chat (20/5); a remote agent with usage of its own.
    static func nested() throws -> TraceBatch {
        try batch([
            span("0000000000000001", nil, "workflow", chain, start: 1, end: 9),
            span("0000000000000002", "0000000000000001", "planner run", agent("planner") + usage(30, 10), start: 1, end: 8),
            span("0000000000000003", "0000000000000002", "chat", chat() + usage(10, 5), start: 2, end: 3),
            span("0000000000000004", "0000000000000002", "ask_researcher", tool, start: 3, end: 7),
            span("0000000000000005", "0000000000000004", "researcher run", agent("researcher") + usage(20, 5), start: 3, end: 7),
            span("0000000000000006", "0000000000000005", "chat", chat() + usage(20, 5), start: 4, end: 6),
            span("0000000000000007", "0000000000000001", "remote agent", agent("remote") + usage(7, 3), start: 8, end: 9),
        ])
    }

    static func observations(_ batch: TraceBatch) -> [String: LangfuseObservation] {
        Dictionary(uniqueKeysWithValues: GenAITranslator().translate(batch).observations.map { (String($0.id.value, radix: 16), $0) })
    }

    @Test func eachObservationIsStampedWithItsNearestAgentAndStage() throws {
        var b = try Self.nested()
        let outcome = AgentAttributionProcessor(config: .init(), counters: Counters()).process(&b)
        let o = Self.observations(b)
        let agents = (1...7).map { o[String($0)]?.metadataText("agent") ?? "-" }
        let stages = (1...7).map { o[String($0)]?.metadataText("stage") ?? "-" }
        #expect(agents == ["-", "planner", "planner", "planner", "researcher", "researcher", "remote"])
        #expect(stages == ["workflow", "workflow", "workflow", "workflow", "workflow", "workflow", "workflow"])
        #expect(outcome["agent"] == 6 && outcome["no_agent"] == 1 && outcome["stage"] == 7 && outcome["aggregate"] == 2)
    }

    @Test func aggregatesKeepTheirUsageApartAndTheTraceCountsEachCallOnce() throws {
        var b = try Self.nested()
        #expect(AgentAttributionProcessor(config: .init(), counters: Counters()).process(&b)["aggregate"] == 2)
        let o = Self.observations(b)
        // The planner repeats all below it (10+20 / 5+5), the researcher its chat; the remote agent spent its own.
        #expect(o["2"]?.usageDetails == nil && o["2"]?.aggregatedUsage?["input"] == 30 && o["2"]?.aggregatedUsage?["output"] == 10)
        #expect(o["5"]?.usageDetails == nil && o["5"]?.aggregatedUsage?["input"] == 20)
        #expect(o["7"]?.usageDetails?["input"] == 7 && o["7"]?.aggregatedUsage == nil)
        let total = o.values.reduce(Int64(0)) { $0 + ($1.usageDetails?["total"] ?? 0) }
        #expect(total == 15 + 25 + 10)
        let metadata = o["2"]?.metadata.first { $0.key == "aggregated_usage" }
        #expect(metadata?.value == .json(.object([JSONMember("input", .int(30)), JSONMember("output", .int(10)), JSONMember("total", .int(40))])))
    }

    /// pydantic-ai's per-run usage: an agent reports the calls it made itself, not its delegate's.
    @Test func anAgentRepeatingOnlyItsOwnCallsIsAnAggregateToo() throws {
        var b = try Self.batch([
            Self.span("0000000000000002", nil, "planner run", Self.agent("planner") + Self.usage(10, 5)),
            Self.span("0000000000000003", "0000000000000002", "chat", Self.chat() + Self.usage(10, 5)),
            Self.span("0000000000000005", "0000000000000002", "researcher run", Self.agent("researcher") + Self.usage(20, 5)),
            Self.span("0000000000000006", "0000000000000005", "chat", Self.chat() + Self.usage(20, 5)),
        ])
        #expect(AgentAttributionProcessor(config: .init(), counters: Counters()).process(&b)["aggregate"] == 2)
        #expect(Self.observations(b).values.reduce(Int64(0)) { $0 + ($1.usageDetails?["total"] ?? 0) } == 40)
    }

    @Test func partialOrDifferentUsageIsTheAgentsOwn() throws {
        var b = try Self.batch([
            Self.span("0000000000000002", nil, "planner run", Self.agent("planner") + Self.usage(11, 5)),
            Self.span("0000000000000003", "0000000000000002", "chat", Self.chat() + Self.usage(10, 5)),
        ])
        let processor = AgentAttributionProcessor(config: .init(), counters: Counters())
        #expect(processor.process(&b)["aggregate"] == 0)
        #expect(Self.observations(b)["2"]?.usageDetails?["input"] == 11)
        var off = try Self.nested()
        #expect(AgentAttributionProcessor(config: .init(detectAggregates: false), counters: Counters()).process(&off)["aggregate"] == 0)
    }

    /// A trace's spans in the shares of two requests: ancestors are found across them.
    @Test func ancestorsAreFoundAcrossTheRequestsATraceCameIn() throws {
        let spans = [
            Self.span("0000000000000002", nil, "planner run", Self.agent("planner")),
            Self.span("0000000000000003", "0000000000000002", "chat", Self.chat() + Self.usage(10, 5)),
        ]
        var parts = [try Self.batch([spans[1]]), try Self.batch([spans[0]])]
        let outcome = AgentAttributionProcessor(config: .init(), counters: Counters()).process(trace: &parts)
        #expect(outcome["agent"] == 2)
        #expect(Self.observations(parts[0])["3"]?.metadataText("agent") == "planner")
    }

    /// Bad parent links cost nothing else: a cycle and a missing parent are walked to an end.
    @Test func parentCyclesAndMissingParentsEndTheWalk() throws {
        var b = try Self.batch([
            Self.span("0000000000000001", "0000000000000002", "a", Self.chat()),
            Self.span("0000000000000002", "0000000000000001", "b", Self.chat()),
            Self.span("0000000000000003", "00000000000000ff", "orphan", Self.chat() + Self.usage(1, 1)),
            Self.span("0000000000000004", "0000000000000003", "agent", Self.agent("late")),
        ])
        let outcome = AgentAttributionProcessor(config: .init(), counters: Counters()).process(&b)
        #expect(outcome["no_agent"] == 3 && outcome["agent"] == 1)
    }

    @Test func eachTraceIsObservedOnceForDurationAndCost() throws {
        let counters = Counters()
        var b = try Self.nested()
        #expect(CostInferenceProcessor(config: .init()).process(&b)["priced"] == 2)
        #expect(AgentAttributionProcessor(config: .init(), counters: counters).process(&b)["aggregate"] == 2)
        let duration = counters.histogram(.traceDuration, ["name": "workflow", "environment": "default"])
        #expect(duration?.count == 1 && duration?.sum == 8)
        // Only the two chats name a model, so only they are priced: the trace costs what they cost.
        let priced = Self.observations(b).values.reduce(0.0) { $0 + ($1.costDetails?["total"] ?? 0) }
        let cost = counters.histogram(.traceCost, ["environment": "default"])
        #expect(cost?.count == 1 && priced > 0 && abs((cost?.sum ?? 0) - priced) < 1e-15)
    }
}
