import CollectorCore
import GenAIMapping
import GenAISemantics
import OTLP
@testable import Processors
import Testing

/// An LLM judge's pieces without a network: the prompt it renders, the request it sends, how it
/// reads answers (and refuses bad ones), the span that carries its verdict and the score the
/// translator makes of it, and the processor queueing jobs without waiting.
@Suite struct JudgeTests {
    static func judge(_ prompt: String = "Q: {{input}} A: {{output}}", _ dataType: Evaluation.Judge.DataType = .numeric) -> Evaluation.Judge {
        Evaluation.Judge(
            endpoint: "http://127.0.0.1:9/v1", model: "gpt-4o-mini", prompt: prompt, dataType: dataType, min: dataType == .numeric ? 0 : nil,
            max: dataType == .numeric ? 1 : nil, categories: dataType == .categorical ? ["calm", "angry"] : [])
    }

    @Test func templatesRenderTheirVariables() {
        let v = JudgeVariables(
            input: "What is 2+2?", output: "4",
            metadata: [JSONMember("lang", .string("en")), JSONMember("expected_output", .string("four")), JSONMember("n", .int(3))])
        #expect(v.render("Q: {{input}} A: {{ output }} E: {{expected}} L: {{metadata.lang}} N: {{metadata.n}}") == "Q: What is 2+2? A: 4 E: four L: en N: 3")
        // Unknown names stay as written; absent values are empty; an unclosed brace is text.
        #expect(v.render("{{inptu}} [{{metadata.none}}] {{output") == "{{inptu}} [] {{output")
        #expect(JudgeVariables(input: nil, output: nil, metadata: []).render("[{{input}}|{{expected}}]") == "[|]")
        #expect(JudgeVariables.names(in: "{{ input }} and {{output}} {{metadata.x}}") == ["input", "output", "metadata.x"])
    }

    @Test func requestsAskForAScoreAndItsReasoning() throws {
        let body = try JSONParser().parse(String(decoding: Self.judge().requestBody(prompt: "Rate it."), as: UTF8.self))
        #expect(body["model"] == .string("gpt-4o-mini") && body["messages"]?.arrayValue?.first?["content"] == .string("Rate it."))
        let schema = try #require(body["response_format"]?["json_schema"]?["schema"])
        #expect(body["response_format"]?["type"] == .string("json_schema") && body["response_format"]?["json_schema"]?["strict"] == .bool(true))
        #expect(schema["required"] == .array([.string("reasoning"), .string("score")]) && schema["properties"]?["score"]?["type"] == .string("number"))
        var tool = Self.judge("{{output}}", .categorical)
        tool.output = .toolCall
        let t = try JSONParser().parse(String(decoding: tool.requestBody(prompt: "p"), as: UTF8.self))
        #expect(t["response_format"] == nil && t["tool_choice"]?["function"]?["name"] == .string("score"))
        let parameters = try #require(t["tools"]?.arrayValue?.first?["function"]?["parameters"])
        #expect(parameters["properties"]?["score"]?["enum"] == .array([.string("calm"), .string("angry")]))
    }

    static func completion(content: String?, toolArguments: String? = nil, usage: String = #"{"prompt_tokens": 120, "completion_tokens": 30}"#) -> [UInt8] {
        let message: String
        if let toolArguments {
            message =
                #"{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"score","arguments":\#(JSONWriter.serialize(.string(toolArguments)))}}]}"#
        } else {
            message = #"{"role":"assistant","content":\#(content.map { JSONWriter.serialize(.string($0)) } ?? "null")}"#
        }
        return Array(#"{"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":\#(message)}],"usage":\#(usage)}"#.utf8)
    }

    @Test func answersBecomeVerdictsOrSayWhatIsWrong() throws {
        let numeric = Self.judge()
        let ok = try numeric.parse(Self.completion(content: #"{"reasoning": "On topic.", "score": 0.75}"#)).get()
        #expect(ok.verdict == JudgeVerdict(value: 0.75, label: nil, reasoning: "On topic.") && ok.inputTokens == 120 && ok.outputTokens == 30)
        #expect(ok.model == "gpt-4o-mini-2024-07-18")
        // A fenced answer is read; hostile token counts are 0, not a crash.
        let fenced = try numeric.parse(Self.completion(content: "```json\n{\"reasoning\": \"r\", \"score\": 1}\n```", usage: #"{"prompt_tokens": 1e300}"#))
            .get()
        #expect(fenced.verdict.value == 1 && fenced.inputTokens == 0)
        let boolean = Self.judge("{{output}}", .boolean)
        #expect(try boolean.parse(Self.completion(content: #"{"reasoning": "", "score": "False"}"#)).get().verdict.label == "false")
        var tool = Self.judge("{{output}}", .categorical)
        tool.output = .toolCall
        #expect(try tool.parse(Self.completion(content: nil, toolArguments: #"{"reasoning": "x", "score": "angry"}"#)).get().verdict.label == "angry")
        let bad: [(Evaluation.Judge, [UInt8], String)] = [
            (numeric, Self.completion(content: #"{"reasoning": "r", "score": 1.5}"#), "the score 1.5 is above 1.0"),
            (numeric, Self.completion(content: #"{"reasoning": "r", "score": "high"}"#), "the score is not a number"),
            (numeric, Self.completion(content: #"{"reasoning": "r"}"#), "the verdict has no score"),
            (numeric, Self.completion(content: "I think 0.8"), "the verdict is not JSON"),
            (numeric, Self.completion(content: nil), "the message has no content"),
            (numeric, Array(#"{"choices": []}"#.utf8), "the answer has no choices[0].message"),
            (numeric, Array("<html>".utf8), "the answer is not JSON"),
            (boolean, Self.completion(content: #"{"reasoning": "r", "score": 2}"#), "the score is not a boolean"),
            (tool, Self.completion(content: #"{"reasoning": "r", "score": "angry"}"#), "the message has no tool call"),
            (tool, Self.completion(content: nil, toolArguments: #"{"reasoning": "r", "score": "sad"}"#), "the score is none of the categories"),
        ]
        for (j, body, why) in bad {
            guard case .failure(let f) = j.parse(body) else {
                Issue.record("accepted: \(String(decoding: body, as: UTF8.self))")
                continue
            }
            #expect(f.reason == "malformed" && f.message.hasPrefix(why), "\(f.message)")
        }
    }

    static let target = TraceID(hex: "0af7651916cd43dd8448eb211c80319c")!

    /// The judge's span is a priced generation of its own trace; the translator puts the score on the
    /// target, in the target's environment, with the judge's trace as its execution trace.
    @Test func aJudgeSpanScoresItsTarget() throws {
        let answer = try Self.judge().parse(Self.completion(content: #"{"reasoning": "On topic.", "score": 0.75}"#)).get()
        let job = JudgeService.Job(prompt: "Q: a A: b", target: Self.target, observation: SpanID(0x1122), environment: "production")
        let cost = JudgeSpan.cost(model: "gpt-4o-mini-2024-07-18", answer)
        let batch = JudgeSpan.batch(
            job: job, answer: answer, judge: Self.judge(), evaluator: "evaluation/relevant", start: 5, end: 9, cost: cost, cached: false)
        let records = GenAITranslator().translate(batch)
        let g = try #require(records.observations.first)
        #expect(records.observations.count == 1 && g.type == .generation && g.environment == "genai-collector-judge")
        #expect(g.traceID == batch.spans[0].traceID && g.traceID != Self.target)
        let score = try #require(records.scores.first)
        #expect(records.scores.count == 1 && score.traceID == Self.target && score.observationID == SpanID(0x1122))
        #expect(score.executionTraceID == batch.spans[0].traceID && score.environment == "production" && score.source == "EVAL")
        #expect(score.value == 0.75 && score.dataType == .numeric && score.comment == "On topic." && score.name == "relevant")
        #expect(score.id == LangfuseScore.id(trace: Self.target, observation: SpanID(0x1122), name: "relevant"))
        #expect(score.metadata.first { $0.key == "evaluator_id" }?.value == .string("evaluation/relevant"))
        // Priced by the catalog: 120 input and 30 output tokens of gpt-4o-mini.
        #expect(abs(try #require(cost) - (120 * 0.15e-6 + 30 * 0.6e-6)) < 1e-12)
        // The same target gets the same judge trace; a trace verdict has no observation.
        var trace = job
        trace.observation = nil
        #expect(JudgeSpan.ids(job, evaluator: "evaluation/relevant") == JudgeSpan.ids(job, evaluator: "evaluation/relevant"))
        let t = GenAITranslator().translate(
            JudgeSpan.batch(job: trace, answer: answer, judge: Self.judge(), evaluator: "e/x", start: 5, end: 9, cost: nil, cached: true))
        #expect(t.scores.first?.observationID == nil && t.scores.first?.traceID == Self.target)
    }

    /// Jobs are queued and the trace goes on; a span with nothing to judge and the judges' own spans
    /// are not sent.
    @Test func theProcessorQueuesJobsAndNeverJudgesAJudge() throws {
        let e = Evaluation.Evaluator(name: "relevant", rule: .judge(Self.judge()))
        var b = try AgentAttributionTests.batch([
            EvaluationTests.span("00000000000000a1", nil, "chat", EvaluationTests.chat("It is sunny.")),
            EvaluationTests.span("00000000000000a2", "00000000000000a1", "chat", [("gen_ai.operation.name", "chat"), ("langfuse.observation.input", "q")]),
            EvaluationTests.span(
                "00000000000000a3", "00000000000000a1", "judge", EvaluationTests.chat("x") + [("langfuse.environment", "genai-collector-judge")]),
        ])
        let before = b
        let outcome = EvaluationProcessor(config: .init(evaluators: [e])).process(&b)
        #expect(EvaluationTests.count(outcome, "relevant", "queued") == 1 && EvaluationTests.count(outcome, "relevant", "no_text") == 1)
        #expect(outcome.metrics.values.reduce(0, +) == 2)
        #expect(b == before)
    }
}
