import CollectorCore
import GenAIMapping
import GenAISemantics
import OTLP
import Processors
import Testing

/// The `evaluation` processor's rules on spans written by hand: each verdict, its comment, where the
/// score lands (observation or trace), filters, sampling, and what survives a resend and OTLP.
@Suite struct EvaluationTests {
    static let trace = AgentAttributionTests.trace

    /// A span of OTLP/JSON whose attribute values are strings, ints, doubles or string lists.
    static func span(
        _ id: String, _ parent: String?, _ name: String, _ attributes: [(String, Any)], trace: String = trace, start: Int = 1, end: Int = 2
    ) -> String {
        func value(_ v: Any) -> String {
            switch v {
            case let b as Bool: return #"{"boolValue":\#(b)}"#
            case let i as Int: return #"{"intValue":"\#(i)"}"#
            case let d as Double: return #"{"doubleValue":\#(d)}"#
            case let list as [String]: return #"{"arrayValue":{"values":[\#(list.map { value($0) }.joined(separator: ","))]}}"#
            default: return #"{"stringValue":\#(JSONWriter.serialize(.string("\(v)")))}"#
            }
        }
        let attrs = attributes.map { #"{"key":"\#($0.0)","value":\#(value($0.1))}"# }.joined(separator: ",")
        let p = parent.map { #""parentSpanId":"\#($0)","# } ?? ""
        return
            #"{"traceId":"\#(trace)","spanId":"\#(id)",\#(p)"name":"\#(name)","startTimeUnixNano":"\#(start)000000000","endTimeUnixNano":"\#(end)000000000","attributes":[\#(attrs)]}"#
    }

    static func chat(_ output: String, model: String = "gpt-4o-mini") -> [(String, Any)] {
        [
            ("gen_ai.operation.name", "chat"), ("gen_ai.request.model", model), ("langfuse.observation.output", output),
            ("langfuse.observation.input", "question"),
        ]
    }

    /// Scores by "observation id/name" (observation "-" for a trace score).
    static func scores(_ batch: TraceBatch) -> [String: LangfuseScore] {
        let all = GenAITranslator().translate(batch).scores
        return Dictionary(all.map { (($0.observationID.map { String($0.value, radix: 16) } ?? "-") + "/" + $0.name, $0) }) { a, _ in a }
    }

    static func run(_ evaluators: [Evaluation.Evaluator], _ spans: [String]) throws -> (TraceBatch, ProcessorOutcome) {
        var b = try AgentAttributionTests.batch(spans)
        let outcome = EvaluationProcessor(config: .init(evaluators: evaluators)).process(&b)
        return (b, outcome)
    }

    static func count(_ o: ProcessorOutcome, _ evaluator: String, _ result: String) -> Int {
        o.metrics[Counters.Key(.evaluations, ["processor": "evaluation", "evaluator": evaluator, "result": result])] ?? 0
    }

    static func hex16(_ x: UInt64) -> String {
        let h = String(x, radix: 16)
        return String(repeating: "0", count: 16 - h.count) + h
    }

    @Test func textRulesScoreTheOutputAsExportedAndSayWhy() throws {
        let schema = try JSONParser().parse(#"{"type": "object", "required": ["answer"], "properties": {"answer": {"type": "integer"}}}"#)
        let evaluators: [Evaluation.Evaluator] = [
            .init(name: "valid_json", rule: .json(try .init(parsing: schema), field: .output)),
            .init(name: "no_refusal", rule: .refusal(Evaluation.Evaluator.defaultRefusalPhrases, field: .output)),
            .init(name: "short", rule: .length(min: nil, max: 20, unit: .characters, field: .output)),
            .init(name: "cites", rule: .regex(try CompiledPattern(#"\[\d+\]"#, path: "p"), field: .output, mustMatch: true)),
            .init(name: "no_secret", rule: .contains(["password", "api key"], field: .output, mode: .none, caseSensitive: false)),
        ]
        let (b, outcome) = try Self.run(
            evaluators,
            [
                Self.span("0000000000000001", nil, "chat", Self.chat(#"{"answer": 42}"#)),
                Self.span("0000000000000002", nil, "chat", Self.chat("```json\n{\"answer\": \"x\"}\n```")),
                Self.span("0000000000000003", nil, "chat", Self.chat("I\u{2019}m sorry, but I can\u{2019}t share the API key [1]")),
            ])
        let s = Self.scores(b)
        #expect(s.count == 15 && outcome["scores"] == 15)
        #expect(s["1/valid_json"]?.stringValue == "True" && s["1/valid_json"]?.comment == "output is valid JSON and matches the schema")
        #expect(s["2/valid_json"]?.value == 0 && s["2/valid_json"]?.comment == "output does not match the schema: $.answer: expected integer, got string")
        #expect(s["3/valid_json"]?.value == 0 && (s["3/valid_json"]?.comment ?? "").hasPrefix("output is not JSON: "))
        #expect(s["1/no_refusal"]?.value == 1 && s["3/no_refusal"]?.value == 0)
        #expect(s["3/no_refusal"]?.comment == "output has the refusal phrase \"i'm sorry, but i can't\"")
        #expect(s["1/short"]?.value == 1 && s["1/short"]?.comment == "output is 14 characters, within 0...20")
        #expect(s["3/short"]?.value == 0 && s["3/short"]?.comment == "output is 44 characters, more than 20")
        #expect(s["3/cites"]?.value == 1 && s["1/cites"]?.value == 0 && s["1/cites"]?.comment == #"output does not match /\[\d+\]/"#)
        #expect(s["3/no_secret"]?.value == 0 && s["3/no_secret"]?.comment == #"output has "api key""#)
        for score in s.values {
            #expect(score.dataType == .boolean && score.source == "EVAL" && score.observationID != nil)
            #expect(score.metadata == [JSONMember("evaluator_id", .string("evaluation/\(score.name)"))])
            #expect(score.id == LangfuseScore.id(trace: score.traceID, observation: score.observationID, name: score.name))
        }
        #expect(Self.count(outcome, "valid_json", "pass") == 1 && Self.count(outcome, "valid_json", "fail") == 2)
    }

    @Test func chatMessagesAreReadAsTheirText() throws {
        let output = #"[{"role": "assistant", "parts": [{"type": "text", "content": "{\"answer\": 1}"}]}]"#
        let input = #"{"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": [{"type": "text", "text": "hi there"}]}]}"#
        let (b, _) = try Self.run(
            [
                .init(name: "valid_json", rule: .json(nil, field: .output)),
                .init(name: "input_words", rule: .length(min: nil, max: 3, unit: .words, field: .input), measured: true),
            ],
            [Self.span("0000000000000001", nil, "chat", [("gen_ai.operation.name", "chat"), ("output.value", output), ("input.value", input)])])
        let s = Self.scores(b)
        #expect(s["1/valid_json"]?.value == 1)
        #expect(s["1/input_words"]?.dataType == .numeric && s["1/input_words"]?.value == 4 && s["1/input_words"]?.comment == "input is 4 words")
    }

    @Test func budgetsAndFailedToolCalls() throws {
        let cost: (String, Any) = ("langfuse.observation.cost_details", #"{"total": 0.02}"#)
        let (b, outcome) = try Self.run(
            [
                .init(name: "fast", rule: .latency(max: .seconds(2))),
                .init(name: "seconds", rule: .latency(max: .seconds(2)), measured: true),
                .init(name: "cheap", rule: .cost(maxUSD: 0.01)),
                .init(name: "tools_ok", rule: .toolError),
            ],
            [
                Self.span("0000000000000001", nil, "chat", Self.chat("a") + [cost], start: 1, end: 2),
                Self.span("0000000000000002", nil, "slow chat", Self.chat("b"), start: 1, end: 6),
                Self.span(
                    "0000000000000003", nil, "lookup",
                    [
                        ("gen_ai.operation.name", "execute_tool"), ("gen_ai.tool.name", "lookup"), ("langfuse.observation.level", "ERROR"),
                        ("langfuse.observation.status_message", "timeout after 30s"),
                    ]),
            ])
        let s = Self.scores(b)
        #expect(s["1/fast"]?.value == 1 && s["1/fast"]?.comment == "took 1 s, within the 2 s budget")
        #expect(s["2/fast"]?.value == 0 && s["2/fast"]?.comment == "took 5 s, over the 2 s budget")
        #expect(s["2/seconds"]?.dataType == .numeric && s["2/seconds"]?.value == 5)
        #expect(s["1/cheap"]?.value == 0 && s["1/cheap"]?.comment == "cost $0.02, over the $0.01 budget")
        #expect(s["2/cheap"] == nil && Self.count(outcome, "cheap", "no_cost") == 2)
        #expect(s["3/tools_ok"]?.value == 0 && s["3/tools_ok"]?.comment == "1 tool call failed: lookup: timeout after 30s")
        #expect(s["1/tools_ok"] == nil && Self.count(outcome, "tools_ok", "not_applicable") == 2)
    }

    /// Trace scores sit on the root span, name no observation, and read the whole trace (its cost
    /// without the aggregates agent_attribution marked).
    @Test func traceScopeReadsTheWholeTrace() throws {
        let evaluators: [Evaluation.Evaluator] = [
            .init(name: "trace_fast", rule: .latency(max: .seconds(5)), scope: .trace),
            .init(name: "trace_cheap", rule: .cost(maxUSD: 0.05), scope: .trace),
            .init(name: "trace_tools_ok", rule: .toolError, scope: .trace),
            .init(name: "nothing_redacted", rule: .redaction, scope: .trace),
            .init(name: "answer_refusal", rule: .refusal(["cannot"], field: .output), scope: .trace),
        ]
        let cost = { (c: Double) -> (String, Any) in ("langfuse.observation.cost_details", #"{"total": \#(c)}"#) }
        let (b, outcome) = try Self.run(
            evaluators,
            [
                Self.span("0000000000000001", nil, "workflow", [("langfuse.trace.output", "done"), ("redaction.email.count", 2)], start: 1, end: 9),
                Self.span("0000000000000002", "0000000000000001", "chat", Self.chat("x") + [cost(0.03), ("redaction.card.count", 1)], start: 2, end: 3),
                Self.span("0000000000000003", "0000000000000001", "chat", Self.chat("y") + [cost(0.04)], start: 3, end: 4),
                Self.span(
                    "0000000000000004", "0000000000000001", "search", [("gen_ai.operation.name", "execute_tool"), ("langfuse.observation.level", "ERROR")]),
                // An agent span repeating its calls' cost (marked by agent_attribution): not counted again.
                Self.span("0000000000000005", "0000000000000001", "agent", [cost(0.07), ("genai_collector.usage.aggregate", true)]),
            ])
        let s = Self.scores(b)
        #expect(s.count == 5 && s.keys.allSatisfy { $0.hasPrefix("-/") }, "\(s.keys.sorted())")
        #expect(s["-/trace_fast"]?.value == 0 && s["-/trace_fast"]?.comment == "took 8 s, over the 5 s budget")
        #expect(s["-/trace_cheap"]?.value == 0 && s["-/trace_cheap"]?.comment == "cost $0.07, over the $0.05 budget")
        #expect(s["-/trace_tools_ok"]?.comment == "1 tool call failed: search")
        #expect(s["-/nothing_redacted"]?.value == 0 && s["-/nothing_redacted"]?.comment == "3 values redacted (card: 1, email: 2)")
        #expect(s["-/answer_refusal"]?.value == 1 && s["-/answer_refusal"]?.comment == "no refusal phrase in output")
        #expect(s["-/trace_fast"]?.id == LangfuseScore.id(trace: s["-/trace_fast"]!.traceID, observation: nil, name: "trace_fast"))
        #expect(s["-/trace_fast"]?.timestampUnixNano == 9_000_000_000)
        // On the root span, as events forwarded OTLP carries.
        let root = b.spans.first { $0.parentSpanID == nil }!
        #expect(b.events[root.events.range].filter { b.string($0.name) == "gen_ai.evaluation.result" }.count == 5)
        #expect(outcome["scores"] == 5)
        // No root yet (a trace cut short): text rules wait for one, the rest score on the first span.
        let (cut, cutOutcome) = try Self.run(evaluators, [Self.span("0000000000000002", "0000000000000001", "chat", Self.chat("x"), start: 2, end: 3)])
        #expect(Self.count(cutOutcome, "answer_refusal", "no_root") == 1 && Self.scores(cut)["-/trace_fast"]?.value == 1)
    }

    @Test func filtersPickTheirObservationsAndTraces() throws {
        var byModel = Evaluation.Filter()
        byModel.models = [try CompiledPattern("^gpt-4o$", path: "m")]
        var byType = Evaluation.Filter()
        byType.types = [.tool]
        var byName = Evaluation.Filter()
        byName.names = [try CompiledPattern("^plan", path: "n")]
        var byEnvironment = Evaluation.Filter()
        byEnvironment.environments = ["staging"]
        var byTag = Evaluation.Filter()
        byTag.tags = ["vip"]
        let rule = Evaluation.Rule.length(min: 1, max: nil, unit: .characters, field: .output)
        let (b, outcome) = try Self.run(
            [
                .init(name: "model", rule: rule, filter: byModel), .init(name: "type", rule: rule, filter: byType),
                .init(name: "name", rule: rule, filter: byName), .init(name: "env", rule: rule, filter: byEnvironment),
                .init(name: "tag", rule: rule, filter: byTag), .init(name: "trace_tag", rule: .latency(max: .seconds(9)), scope: .trace, filter: byTag),
            ],
            [
                Self.span("0000000000000001", nil, "planner", Self.chat("a", model: "gpt-4o") + [("langfuse.trace.tags", ["vip", "beta"])]),
                Self.span("0000000000000002", "0000000000000001", "chat", Self.chat("b", model: "gpt-4o-mini") + [("langfuse.environment", "staging")]),
            ])
        let s = Self.scores(b)
        #expect(s.keys.sorted() == ["-/trace_tag", "1/model", "1/name", "1/tag", "2/env", "2/tag"])
        #expect(Self.count(outcome, "type", "filtered") == 2 && Self.count(outcome, "model", "filtered") == 1)
    }

    @Test func samplingIsByTraceIDTheSameEveryTime() throws {
        let traces = (0..<400).map { i in Self.hex16(UInt64(i + 1) &* 0x9E37_79B9_7F4A_7C15) + Self.hex16(UInt64(i) ^ 0xDEAD_BEEF) }
        let spans = traces.map { Self.span("0000000000000001", nil, "chat", Self.chat("a"), trace: $0) }
        let evaluator = Evaluation.Evaluator(name: "s", rule: .latency(max: .seconds(9)), sampling: 0.25)
        func scored(_ b: TraceBatch) -> [TraceID] { GenAITranslator().translate(b).scores.map(\.traceID) }
        let first = scored(try Self.run([evaluator], spans).0)
        let again = Set(scored(try Self.run([evaluator], spans.reversed()).0))
        #expect(Set(first).count == first.count)
        #expect(Set(first) == again)
        #expect((70...130).contains(first.count), "\(first.count) of 400 at 0.25")
        let none = try Self.run([.init(name: "s", rule: .latency(max: .seconds(9)), sampling: 0)], spans)
        #expect(scored(none.0).isEmpty && Self.count(none.1, "s", "unsampled") == 400)
    }

    /// A resent trace scores with the same ids, and the events survive OTLP: a sidecar that
    /// evaluates and a gateway that writes make the same scores.
    @Test func resendsAndForwardedOTLPGiveTheSameScores() throws {
        let evaluators: [Evaluation.Evaluator] = [
            .init(name: "fast", rule: .latency(max: .seconds(2))), .init(name: "trace_fast", rule: .latency(max: .seconds(2)), scope: .trace),
        ]
        let spans = [Self.span("0000000000000001", nil, "chat", Self.chat("a"))]
        let (b, _) = try Self.run(evaluators, spans)
        let (again, _) = try Self.run(evaluators, spans)
        let forwarded = try OTLPProtobufDecoder().decode(OTLPProtobufEncoder().encode(b))
        let ids = Self.scores(b).values.map(\.id).sorted()
        #expect(ids.count == 2 && ids == Self.scores(again).values.map(\.id).sorted())
        let out = Self.scores(forwarded)
        #expect(out == Self.scores(b))
        #expect(out["-/trace_fast"]?.source == "EVAL" && out["1/fast"]?.source == "EVAL")
    }
}
