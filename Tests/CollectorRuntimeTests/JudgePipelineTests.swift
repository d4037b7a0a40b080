import CollectorCore
import CollectorRuntime
@testable import ExporterHelper
import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// LLM judges live, against `scripts/fake_judge_server.py` (an OpenAI-compatible endpoint that
/// checks the key and the structured-output request, and answers as scripted): real pydantic-ai
/// agents judged into the file sink, the Langfuse contract server and Langfuse's `scores` table
/// (chDB); then a judge that answers
/// 429, a malformed verdict and too slowly, one that is still thinking when the trace is exported
/// and when the collector stops, and the cache and the daily budget.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct JudgePipelineTests {
    static let key = "sk-judge-test"

    static func judgeServer(_ extra: [String] = []) async throws -> ScriptServer {
        try await ScriptServer(script: "fake_judge_server.py", arguments: { _ in ["--key", key] + extra }, what: "the fake judge")
    }

    @discardableResult
    static func control(_ judge: ScriptServer, _ path: String, post body: String? = nil) async throws -> JSONValue {
        let r = try await HTTPTransport(tls: nil).send(
            body == nil ? .GET : .POST, "http://127.0.0.1:\(judge.port)/__control/\(path)", headers: [("Content-Type", "application/json")],
            body: body.map { Array($0.utf8) }, timeout: .seconds(10))
        return try JSONParser().parse(r.text)
    }

    /// Calls the fake judge has taken (-1 while it cannot be asked).
    static func callsTaken(_ judge: ScriptServer) async -> Int {
        do {
            guard case .int(let n)? = try await control(judge, "received")["calls"] else { return -1 }
            return Int(n)
        } catch {
            return -1
        }
    }

    @discardableResult
    static func keyFile(_ dir: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data((key + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/judge-key"))
        return dir + "/judge-key"
    }

    static func judgeCounter(_ c: CollectorHarness.Running, _ evaluator: String, _ result: String) -> Int {
        c.counters.value(.evaluations, ["processor": "evaluation", "evaluator": evaluator, "result": result])
    }

    static func calls(_ c: CollectorHarness.Running, _ evaluator: String, _ outcome: String) -> Int {
        c.counters.value(.judgeCalls, ["processor": "evaluation", "evaluator": evaluator, "outcome": outcome])
    }

    /// Two rules and two judges (one per generation with a JSON-schema answer, one per trace by tool
    /// call) on two real agents: four model calls, two with text to judge.
    @Test func judgesScoreRealAgentsIntoEverySink() async throws {
        let python = Scripts.here.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/frameworks/pydantic_ai/bin/python3").path
        #expect(FileManager.default.isExecutableFile(atPath: python), "\(python) is missing: scripts/framework-env.sh installs it")
        let dir = NSTemporaryDirectory() + "genai-judge-\(UUID().uuidString)"
        defer { removeTestFiles(dir) }
        let keyFile = try Self.keyFile(dir + "/secrets")
        let judge = try await Self.judgeServer()
        defer { judge.stop() }
        let clickhouse = try await ClickHouseTestServer()
        defer { clickhouse.stop() }
        let langfuse = try await LangfuseTestServer()
        defer { langfuse.stop() }
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            processors:
              cost_inference: {}
              groupbytrace: {wait_duration: 200ms}
              evaluation:
                evaluators:
                  no_refusal: {rule: refusal, filter: {types: [generation]}}
                  within_budget: {rule: cost, max_usd: 0.01, scope: trace}
                  relevance:
                    rule: judge
                    filter: {types: [generation]}
                    judge:
                      endpoint: "http://127.0.0.1:\(judge.port)/v1"
                      model: gpt-4o-mini
                      api_key_file: "\(keyFile)"
                      prompt: "Rate from 0 to 1 how well the answer fits the question. Question: {{input}} Answer: {{output}}"
                      min: 0
                      max: 1
                  resolved:
                    rule: judge
                    scope: trace
                    judge:
                      endpoint: "http://127.0.0.1:\(judge.port)/v1"
                      model: gpt-4o-mini
                      api_key_file: "\(keyFile)"
                      prompt: "Did the agent answer the request? Request: {{input}} Final answer: {{output}}"
                      data_type: boolean
                      output: tool_call
              batch: {timeout: 100ms}
            exporters:
              file/out: {directory: "\(dir)/out"}
              clickhouse: {endpoint: "\(clickhouse.url)", username: "\(clickhouse.user)", password: "\(clickhouse.password)", project_id: p1, create_schema: true}
              langfuse: {host: "\(langfuse.url)", public_key: pk-lf-test, secret_key: sk-lf-test, mode: ingestion}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines:
                traces:
                  receivers: [otlp]
                  processors: [cost_inference, groupbytrace, evaluation, batch]
                  exporters: [file/out, clickhouse, langfuse]
            """
        try await CollectorHarness.with([yaml]) { running in
            let c = running[0]
            try await EvaluationPipelineTests.runAgents(python, c)
            // 8 spans of the agents, and 3 of the judges (their own traces), in each sink.
            #expect(
                try await eventually {
                    c.counters.value(.exporterSentSpans, ["exporter": "clickhouse"]) == 11
                        && c.counters.value(.exporterSentSpans, ["exporter": "file/out"]) == 11
                })
            #expect(try await eventually { c.counters.value(.exporterSentSpans, ["exporter": "langfuse"]) == 11 })
            #expect(Self.judgeCounter(c, "relevance", "queued") == 2 && Self.judgeCounter(c, "relevance", "no_text") == 2)
            #expect(Self.judgeCounter(c, "relevance", "scored") == 2 && Self.judgeCounter(c, "resolved", "queued") == 1)
            #expect(Self.judgeCounter(c, "resolved", "pass") == 1 && Self.calls(c, "relevance", "ok") == 2 && Self.calls(c, "resolved", "ok") == 1)
            #expect(
                c.counters.total(.judgeCalls) == 3
                    && c.counters.value(.judgeTokens, ["processor": "evaluation", "evaluator": "relevance", "type": "output"]) == 40)
            // Priced by the catalog (gpt-4o-mini: $0.15 and $0.60 per million input and output tokens).
            for evaluator in ["relevance", "resolved"] {
                let labels = ["processor": "evaluation", "evaluator": evaluator]
                let input = c.counters.value(.judgeTokens, labels.merging(["type": "input"]) { a, _ in a })
                let output = c.counters.value(.judgeTokens, labels.merging(["type": "output"]) { a, _ in a })
                let expected = Double(input) * 0.15e-6 + Double(output) * 0.6e-6
                #expect(input > 0 && abs(c.counters.doubleValue(.judgeCostUSD, labels) - expected) < 1e-12, "\(evaluator): \(input)/\(output)")
            }
            #expect(c.counters.value(.scores, ["name": "relevance", "data_type": "NUMERIC", "source": "EVAL"]) == 2)
        }
        // What the judge was sent: the key, structured output as configured, the rendered prompt.
        let received = try await Self.control(judge, "received")["received"]?.arrayValue ?? []
        #expect(received.count == 3 && received.allSatisfy { $0["authorization"] == .string("Bearer \(Self.key)") })
        let prompts = received.compactMap { $0["body"]?["messages"]?.arrayValue?.first?["content"]?.stringValue }
        let relevance = prompts.filter { $0.hasPrefix("Rate from 0 to 1") }
        #expect(relevance.count == 2 && relevance.allSatisfy { $0.contains("Answer: ") && !$0.contains("{{") }, "\(prompts)")
        #expect(received.filter { $0["body"]?["tools"] != nil }.count == 1 && received.filter { $0["body"]?["response_format"] != nil }.count == 2)

        let lines = try CollectorHarness.lines(dir + "/out")
        let scores = lines.filter { $0["type"]?.stringValue == "score-create" }.compactMap { $0["body"] }
        let byName = Dictionary(grouping: scores) { $0["name"]?.stringValue ?? "" }
        let judgeObservations = lines.filter { $0["type"]?.stringValue == "generation-create" }.compactMap { $0["body"] }
            .filter { $0["environment"] == .string("genai-collector-judge") }
        #expect(judgeObservations.count == 3 && judgeObservations.allSatisfy { $0["model"] == .string("gpt-4o-mini-2024-07-18") })
        let judgeTraces = Set(judgeObservations.compactMap { $0["traceId"]?.stringValue })
        let generations = Set(
            lines.filter { $0["type"]?.stringValue == "generation-create" }.compactMap { $0["body"] }
                .filter { $0["environment"] == .string("default") }.compactMap { $0["id"]?.stringValue })
        let judged = byName["relevance"] ?? []
        #expect(
            judged.count == 2 && judged.allSatisfy { $0["value"] == .double(0.8) && $0["source"] == .string("EVAL") && $0["environment"] == .string("default") }
        )
        #expect(
            judged.allSatisfy {
                generations.contains($0["observationId"]?.stringValue ?? "") && judgeTraces.contains($0["executionTraceId"]?.stringValue ?? "")
            })
        let resolved = try #require(byName["resolved"]?.first)
        #expect(resolved["observationId"] == nil && resolved["value"] == .int(1) && resolved["dataType"] == .string("BOOLEAN"))
        #expect(byName["no_refusal"]?.count == 2 && byName["within_budget"]?.count == 1 && scores.count == 6)
        // Langfuse took the verdicts as score-create events (validated against its openapi.yml).
        let taken = try await HTTPTransport(tls: nil).send(.GET, "\(langfuse.url)/__control/received", headers: [], body: nil, timeout: .seconds(10))
        let events = try JSONParser().parse(taken.text)["events"]?.arrayValue ?? []
        let judgedThere = events.filter { $0["type"] == .string("score-create") && $0["body"]?["executionTraceId"] != nil }.compactMap { $0["body"] }
        #expect(judgedThere.count == 3 && judgedThere.allSatisfy { $0["source"] == .string("EVAL") }, "\(judgedThere)")
        // Langfuse's tables: the verdicts with their execution traces, and the judges' own calls.
        let rows = try DurabilityTests().sql(
            clickhouse,
            "SELECT name, data_type, count(), countIf(execution_trace_id IS NOT NULL), countIf(observation_id IS NULL) FROM scores FINAL WHERE project_id = 'p1' GROUP BY name, data_type ORDER BY name FORMAT TSV"
        )
        #expect(
            rows.split(separator: "\n").map(String.init) == [
                "no_refusal\tBOOLEAN\t2\t0\t0", "relevance\tNUMERIC\t2\t2\t0", "resolved\tBOOLEAN\t1\t1\t1", "within_budget\tBOOLEAN\t1\t0\t1",
            ], "\(rows)")
        let calls = try DurabilityTests().sql(
            clickhouse,
            "SELECT count(), countIf(total_cost > 0), sum(usage_details['output']) FROM observations FINAL WHERE project_id = 'p1' AND environment = 'genai-collector-judge' FORMAT TSV"
        )
        #expect(calls.trimmingCharacters(in: .whitespacesAndNewlines) == "3\t3\t60", "\(calls)")
    }

    /// OTLP/JSON: one trace of chat spans, each with its own input and output.
    static func chats(_ outputs: [String], trace: String = "5b8efff798038103d269b633813fc60c") -> [UInt8] {
        let spans = outputs.enumerated().map { i, output in
            let attrs = [
                ("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o-mini"), ("langfuse.observation.input", "question \(i % 2)"),
                ("langfuse.observation.output", output),
            ]
            .map { #"{"key":"\#($0.0)","value":{"stringValue":\#(JSONWriter.serialize(.string($0.1)))}}"# }.joined(separator: ",")
            return
                #"{"traceId":"\#(trace)","spanId":"00000000000000\#(String(format: "%02x", i + 1))","name":"chat","startTimeUnixNano":"1000000000","endTimeUnixNano":"2000000000","attributes":[\#(attrs)]}"#
        }
        return Array(
            #"{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"t"},"spans":[\#(spans.joined(separator: ","))]}]}]}"#.utf8)
    }

    static func post(_ c: CollectorHarness.Running, _ body: [UInt8]) async throws {
        let r = try await HTTPTransport(tls: nil).send(
            .POST, "http://127.0.0.1:\(c.port("otlp/http"))/v1/traces", headers: [("Content-Type", "application/json")], body: body, timeout: .seconds(10))
        #expect(r.status == 200, "\(r.text)")
    }

    static func yaml(judge: ScriptServer, dir: String, _ settings: String) -> String {
        """
        receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
        processors:
          evaluation:
            evaluators:
              relevance:
                rule: judge
                judge: {endpoint: "http://127.0.0.1:\(judge.port)/v1", model: gpt-4o-mini, api_key_file: "\(dir)/secrets/judge-key",
                        prompt: "Q: {{input}} A: {{output}}", \(settings)}
          batch: {timeout: 100ms}
        exporters: {file/out: {directory: "\(dir)/out"}}
        service:
          shutdown_timeout: 2s
          telemetry: {metrics: {address: "127.0.0.1:0"}}
          pipelines: {traces: {receivers: [otlp], processors: [evaluation, batch], exporters: [file/out]}}
        """
    }

    /// One call at a time, in span order: a 429 then a verdict; a malformed verdict (not retried);
    /// two answers slower than the timeout (retried once, then given up). Each is counted, and only
    /// the one verdict becomes a score.
    @Test func rateLimitsMalformedAnswersAndTimeoutsAreCountedNotScored() async throws {
        let dir = NSTemporaryDirectory() + "genai-judge-\(UUID().uuidString)"
        defer { removeTestFiles(dir) }
        try Self.keyFile(dir + "/secrets")
        let judge = try await Self.judgeServer()
        defer { judge.stop() }
        try await Self.control(
            judge, "script",
            post:
                #"[{"status": 429, "retry_after": 0}, {"score": 0.4, "reasoning": "Half right."}, {"malformed": "no verdict here"}, {"delay_s": 3}, {"delay_s": 3}]"#
        )
        let yaml = Self.yaml(judge: judge, dir: dir, "concurrency: 1, timeout: 1s, attempts: 2, rate_per_second: 100")
        try await CollectorHarness.with([yaml]) { running in
            let c = running[0]
            try await Self.post(c, Self.chats(["first", "second", "third"]))
            #expect(try await eventually { Self.judgeCounter(c, "relevance", "judge_unreachable") == 1 })
            #expect(try await eventually { c.counters.value(.exporterSentSpans, ["exporter": "file/out"]) == 4 })
            #expect(Self.calls(c, "relevance", "rate_limited") == 1 && Self.calls(c, "relevance", "ok") == 1)
            #expect(Self.calls(c, "relevance", "malformed") == 1 && Self.calls(c, "relevance", "unreachable") == 2 && c.counters.total(.judgeCalls) == 5)
            #expect(Self.judgeCounter(c, "relevance", "queued") == 3 && Self.judgeCounter(c, "relevance", "scored") == 1)
            #expect(Self.judgeCounter(c, "relevance", "judge_malformed") == 1)
        }
        let scores = try CollectorHarness.lines(dir + "/out").filter { $0["type"]?.stringValue == "score-create" }.compactMap { $0["body"] }
        #expect(scores.count == 1 && scores.first?["value"] == .double(0.4) && scores.first?["comment"] == .string("Half right."))
        #expect(scores.first?["observationId"] == .string("0000000000000001"))
    }

    /// The trace is exported while its judge is still thinking; stopping the collector gives the call
    /// its grace (a quarter of shutdown_timeout), then cancels it and counts it.
    @Test func aSlowJudgeHoldsNoTraceAndIsCancelledAtShutdown() async throws {
        let dir = NSTemporaryDirectory() + "genai-judge-\(UUID().uuidString)"
        defer { removeTestFiles(dir) }
        try Self.keyFile(dir + "/secrets")
        let judge = try await Self.judgeServer()
        defer { judge.stop() }
        try await Self.control(judge, "script", post: #"[{"delay_s": 60}]"#)
        var counters: Counters?
        try await CollectorHarness.with([Self.yaml(judge: judge, dir: dir, "timeout: 120s")]) { running in
            let c = running[0]
            counters = c.counters
            try await Self.post(c, Self.chats(["an answer"]))
            #expect(try await eventually { c.counters.value(.exporterSentSpans, ["exporter": "file/out"]) == 1 })
            // The job was queued before the export; the call itself may start a little later.
            #expect(try await eventually { await Self.callsTaken(judge) == 1 })
            #expect(c.counters.total(.judgeCalls) == 0 && Self.judgeCounter(c, "relevance", "queued") == 1)
        }
        #expect(counters?.value(.evaluations, ["processor": "evaluation", "evaluator": "relevance", "result": "shutdown"]) == 1)
    }

    /// The same prompt twice is one call; past the daily budget, jobs are counted and not sent.
    @Test func identicalPromptsAreCachedAndTheBudgetStopsCalls() async throws {
        let dir = NSTemporaryDirectory() + "genai-judge-\(UUID().uuidString)"
        defer { removeTestFiles(dir) }
        try Self.keyFile(dir + "/secrets")
        let judge = try await Self.judgeServer()
        defer { judge.stop() }
        // The first call costs more than the budget: the two other distinct prompts are not sent.
        let yaml = Self.yaml(judge: judge, dir: dir, "concurrency: 1, rate_per_second: 100, daily_budget_usd: 0.000001")
        try await CollectorHarness.with([yaml]) { running in
            let c = running[0]
            // Spans 1 and 3 ask the same (question 0, "same"); spans 2 and 4 differ.
            try await Self.post(c, Self.chats(["same", "other", "same", "another"]))
            #expect(
                try await eventually {
                    Self.judgeCounter(c, "relevance", "scored") == 2 && Self.judgeCounter(c, "relevance", "budget_exhausted") == 2
                })
            #expect(Self.judgeCounter(c, "relevance", "cached") == 1 && c.counters.total(.judgeCalls) == 1)
            #expect(try await eventually { c.counters.value(.exporterSentSpans, ["exporter": "file/out"]) == 6 })
        }
        let scores = try CollectorHarness.lines(dir + "/out").filter { $0["type"]?.stringValue == "score-create" }.compactMap { $0["body"] }
        #expect(Set(scores.compactMap { $0["observationId"]?.stringValue }) == ["0000000000000001", "0000000000000003"])
    }
}
