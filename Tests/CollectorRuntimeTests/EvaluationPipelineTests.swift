import CollectorCore
import CollectorRuntime
import Foundation
import TestSupport
import Testing

/// Scores live. From instrumentation: the real OpenTelemetry SDK sends a chat span with a
/// `gen_ai.evaluation.result` span event, and an evaluator's verdict as an event log record that
/// the log join attaches to the span, and a later one logged outside any span that only its
/// `gen_ai.response.id` ties to the span (Tests/Frameworks/evaluation_app.py); all come out as
/// score-create events on that observation, and are counted. From the `evaluation` processor: real
/// pydantic-ai agents, evaluated per generation and per trace, scored into the ingestion events and
/// Langfuse's `scores` table in ClickHouse (chDB).
@Suite(.serialized, .timeLimit(.minutes(5)))
struct EvaluationPipelineTests {
    @Test func aSpanEventAndAJoinedLogRecordBecomeScoresOnTheirObservation() async throws {
        let python = Scripts.here.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/frameworks/openai_v2/bin/python3").path
        #expect(FileManager.default.isExecutableFile(atPath: python), "\(python) is missing: scripts/framework-env.sh installs it")
        let dir = NSTemporaryDirectory() + "genai-eval-\(UUID().uuidString)"
        defer { removeTestFiles(dir) }
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            processors: {log_join: {}, batch: {timeout: 100ms}}
            exporters: {file/out: {directory: "\(dir)"}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines:
                traces: {receivers: [otlp], processors: [log_join, batch], exporters: [file/out]}
                logs: {receivers: [otlp], processors: [log_join, batch], exporters: [file/out]}
            """
        var ids = JSONValue.null
        try await CollectorHarness.with([yaml]) { running in
            let c = running[0]
            let (status, out) = try await Scripts.cmd([
                python, FrameworkEndToEndTests.apps.appendingPathComponent("evaluation_app.py").path, "http://127.0.0.1:\(c.port("otlp/http"))",
            ])
            #expect(status == 0, "app: \(out)")
            ids = try JSONParser().parse(String(out.split(separator: "\n").last ?? ""))
            #expect(try await eventually { c.counters.total(.exporterSentSpans) == 1 && c.counters.total(.exporterSentLogRecords) == 2 })
            #expect(c.counters.value(.logJoinRecords, ["processor": "log_join", "outcome": "joined"]) == 2)
            #expect(c.counters.value(.scores, ["name": "relevance", "data_type": "NUMERIC", "source": "API"]) == 1)
            #expect(c.counters.value(.scores, ["name": "grounded", "data_type": "BOOLEAN", "source": "API"]) == 1)
            #expect(c.counters.value(.scores, ["name": "helpfulness", "data_type": "NUMERIC", "source": "API"]) == 1)
            #expect(c.counters.total(.scores) == 3)
        }
        let scores = try CollectorHarness.lines(dir).filter { $0["type"]?.stringValue == "score-create" }.compactMap { $0["body"] }
        #expect(scores.count == 3)
        let byName = Dictionary(uniqueKeysWithValues: scores.compactMap { s in s["name"]?.stringValue.map { ($0, s) } })
        #expect(byName["relevance"]?["value"] == .double(0.9) && byName["relevance"]?["comment"] == .string("on topic"))
        #expect(byName["grounded"]?["value"] == .int(1) && byName["grounded"]?["dataType"] == .string("BOOLEAN"))
        #expect(byName["helpfulness"]?["value"] == .double(0.7))
        #expect(scores.allSatisfy { $0["traceId"] == ids["trace"] && $0["observationId"] == ids["span"] }, "\(scores) on \(ids)")
    }

    /// Two agents, four model calls (two only ask for a tool, so have no text to read), two tools;
    /// two generation rules and three trace rules, after cost_inference and agent_attribution as a
    /// gateway runs them.
    /// The two pydantic-ai agents (Tests/Frameworks/pydantic_ai_agents_app.py) sending to `c`.
    static func runAgents(_ python: String, _ c: CollectorHarness.Running) async throws {
        let (status, out) = try await Scripts.cmd([
            python, FrameworkEndToEndTests.apps.appendingPathComponent("pydantic_ai_agents_app.py").path,
            "http://127.0.0.1:\(c.port("otlp/http"))/v1/traces",
        ])
        #expect(status == 0, "app: \(out)")
    }

    @Test func rulesScoreRealAgentsIntoEverySink() async throws {
        let python = Scripts.here.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/frameworks/pydantic_ai/bin/python3").path
        #expect(FileManager.default.isExecutableFile(atPath: python), "\(python) is missing: scripts/framework-env.sh installs it")
        let dir = NSTemporaryDirectory() + "genai-rules-\(UUID().uuidString)"
        defer { removeTestFiles(dir) }
        let clickhouse = try await ClickHouseTestServer()
        defer { clickhouse.stop() }
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            processors:
              cost_inference: {}
              groupbytrace: {wait_duration: 200ms}
              agent_attribution: {}
              evaluation:
                evaluators:
                  mentions_sunny: {rule: contains, terms: [sunny], filter: {types: [generation]}}
                  brief: {rule: length, max: 200, filter: {types: [generation]}}
                  trace_cost: {rule: cost, max_usd: 0.001, scope: trace}
                  tools_ok: {rule: tool_error, scope: trace}
                  trace_seconds: {rule: latency, max: 60s, scope: trace, score: measured}
              batch: {timeout: 100ms}
            exporters:
              file/out: {directory: "\(dir)"}
              clickhouse: {endpoint: "\(clickhouse.url)", username: "\(clickhouse.user)", password: "\(clickhouse.password)", project_id: p1, create_schema: true}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines:
                traces:
                  receivers: [otlp]
                  processors: [cost_inference, groupbytrace, agent_attribution, evaluation, batch]
                  exporters: [file/out, clickhouse]
            """
        try await CollectorHarness.with([yaml]) { running in
            let c = running[0]
            try await Self.runAgents(python, c)
            #expect(
                try await eventually {
                    c.counters.value(.exporterSentSpans, ["exporter": "clickhouse"]) == 8 && c.counters.value(.exporterSentSpans, ["exporter": "file/out"]) == 8
                })
            func result(_ evaluator: String, _ result: String) -> Int {
                c.counters.value(.evaluations, ["processor": "evaluation", "evaluator": evaluator, "result": result])
            }
            #expect(result("mentions_sunny", "pass") == 2 && result("mentions_sunny", "no_text") == 2 && result("mentions_sunny", "filtered") == 4)
            #expect(
                result("brief", "pass") == 2 && result("trace_cost", "pass") == 1 && result("tools_ok", "pass") == 1 && result("trace_seconds", "measured") == 1
            )
            #expect(c.counters.total(.scores) == 7 && c.counters.value(.scores, ["name": "trace_cost", "data_type": "BOOLEAN", "source": "EVAL"]) == 1)
        }
        let scores = try CollectorHarness.lines(dir).filter { $0["type"]?.stringValue == "score-create" }.compactMap { $0["body"] }
        let generations = Set(
            try CollectorHarness.lines(dir).filter { $0["type"]?.stringValue == "generation-create" }.compactMap { $0["body"]?["id"]?.stringValue })
        #expect(scores.count == 7 && scores.allSatisfy { $0["source"] == .string("EVAL") })
        let byName = Dictionary(grouping: scores) { $0["name"]?.stringValue ?? "" }
        #expect(byName["mentions_sunny"]?.count == 2 && byName["brief"]?.count == 2)
        #expect(
            (byName["mentions_sunny"] ?? []).allSatisfy {
                generations.contains($0["observationId"]?.stringValue ?? "") && $0["comment"] == .string(#"output has "sunny""#)
            })
        let cost = try #require(byName["trace_cost"]?.first)
        #expect(cost["observationId"] == nil && cost["value"] == .int(1) && cost["comment"] == .string("cost $0.000031, within the $0.001 budget"), "\(cost)")
        #expect(byName["tools_ok"]?.first?["comment"] == .string("no tool call failed"))
        let seconds = try #require(byName["trace_seconds"]?.first)
        #expect(seconds["dataType"] == .string("NUMERIC") && (seconds["value"]?.numberValue ?? 0) > 0)
        #expect(cost["metadata"]?["evaluator_id"] == .string("evaluation/trace_cost"))
        // Langfuse's scores table: one row per score, trace scores without an observation.
        let rows = try DurabilityTests().sql(
            clickhouse,
            "SELECT name, source, data_type, count(), countIf(observation_id IS NULL), any(metadata['evaluator_id']) FROM scores FINAL WHERE project_id = 'p1' GROUP BY name, source, data_type ORDER BY name FORMAT TSV"
        )
        #expect(
            rows.split(separator: "\n").map(String.init) == [
                "brief\tEVAL\tBOOLEAN\t2\t0\tevaluation/brief", "mentions_sunny\tEVAL\tBOOLEAN\t2\t0\tevaluation/mentions_sunny",
                "tools_ok\tEVAL\tBOOLEAN\t1\t1\tevaluation/tools_ok", "trace_cost\tEVAL\tBOOLEAN\t1\t1\tevaluation/trace_cost",
                "trace_seconds\tEVAL\tNUMERIC\t1\t1\tevaluation/trace_seconds",
            ], "\(rows)")
    }
}
