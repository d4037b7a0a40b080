import CollectorCore
import CollectorRuntime
import Dashboards
import Foundation
import TestSupport
import Testing

/// Every `genai-collector dashboards` query, run by the CLI against chDB over rows the ClickHouse
/// exporter wrote (schema `both`: v3 tables and v4 events_full) from a known workload, checked
/// against values worked out by hand below.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct DashboardQueriesTests {
    /// Day 1 is 2026-11-30, day 2 2026-12-01; the window is both days. Trace 4 is after it.
    /// T1 10:00 prod r1 u1 "support": s1 AGENT 0–4000 ms (agent support, stage triage);
    ///   s2 GENERATION gpt-4o 100–1100 (100/50/150 tokens, $0.001/0.002/0.003, first token at 400; support, triage);
    ///   s3 TOOL 1200–1500 (support, triage); s4 GENERATION gpt-4o-mini 1600–3600 (200/20/220, $0.0003/0.0001/0.0004; billing, resolve).
    /// T2 11:00 prod r1 u2 "support": s5 SPAN 0–2000; s6 GENERATION gpt-4o 0–2000 (10/10/20, $0.0002), ERROR, no agent.
    /// T3 day 2 09:00 dev r2 u1 "research": s7 GENERATION gpt-4o-mini 0–500 (5/5/10, $0.00001; support, search).
    /// T4 2026-12-05 prod u3 "late": s8 GENERATION gpt-4o ($1, 1000 tokens): outside the window.
    /// Scores (evaluation events, at their span's end): s2 relevance 0.8 (API) and no_refusal true
    /// (EVAL, evaluator evaluation/no_refusal); s4 no_refusal false (EVAL) and tone "neutral" (API);
    /// s6 relevance 0.4; s7 no_refusal true (EVAL); s8 relevance 1 (outside the window).
    static func workload() -> String {
        func t(_ iso: String, _ ms: Int) -> String { "\((Timestamp.millis(iso: iso) ?? 0) + Int64(ms))000000" }
        func a(_ k: String, _ v: String) -> String { #"{"key": "\#(k)", "value": {"stringValue": "\#(v.replacing("\"", with: "\\\""))"}}"# }
        struct S {
            var trace: Int; var id: Int; var parent: Int?; var name: String; var day: String; var start: Int; var end: Int; var attrs: [String];
            var error = false
            var scores: [[String]] = []
        }
        func numeric(_ name: String, _ v: Double) -> [String] {
            [a("gen_ai.evaluation.name", name), #"{"key": "gen_ai.evaluation.score.value", "value": {"doubleValue": \#(v)}}"#]
        }
        func label(_ name: String, _ v: String) -> [String] { [a("gen_ai.evaluation.name", name), a("gen_ai.evaluation.score.label", v)] }
        func evaluator(_ name: String, _ passed: Bool) -> [String] {
            label(name, passed ? "true" : "false") + [
                a("genai_collector.evaluation.source", "EVAL"), a("genai_collector.evaluation.evaluator", "evaluation/\(name)"),
            ]
        }
        func gen(_ model: String, _ i: Int, _ o: Int, _ ci: String, _ co: String, _ ct: String) -> [String] {
            [
                a("langfuse.observation.type", "generation"), a("langfuse.observation.model.name", model),
                a("langfuse.observation.usage_details", #"{"input":\#(i),"output":\#(o),"total":\#(i + o)}"#),
                a("langfuse.observation.cost_details", #"{"input":\#(ci),"output":\#(co),"total":\#(ct)}"#),
            ]
        }
        func owner(_ agent: String, _ stage: String) -> [String] {
            [a("langfuse.observation.metadata.agent", agent), a("langfuse.observation.metadata.stage", stage)]
        }
        func trace(_ env: String, _ release: String, _ user: String) -> [String] {
            [a("langfuse.environment", env), a("langfuse.release", release), a("langfuse.user.id", user)]
        }
        let d1a = "2026-11-30T10:00:00Z", d1b = "2026-11-30T11:00:00Z", d2 = "2026-12-01T09:00:00Z", late = "2026-12-05T09:00:00Z"
        let spans = [
            S(
                trace: 1, id: 1, parent: nil, name: "support", day: d1a, start: 0, end: 4000,
                attrs: [a("langfuse.observation.type", "agent")] + owner("support", "triage") + trace("prod", "r1", "u1")),
            S(
                trace: 1, id: 2, parent: 1, name: "chat", day: d1a, start: 100, end: 1100,
                attrs: gen("gpt-4o", 100, 50, "0.001", "0.002", "0.003") + owner("support", "triage") + trace("prod", "r1", "u1")
                    + [a("langfuse.observation.completion_start_time", "2026-11-30T10:00:00.400Z")],
                scores: [numeric("relevance", 0.8), evaluator("no_refusal", true)]),
            S(
                trace: 1, id: 3, parent: 1, name: "lookup", day: d1a, start: 1200, end: 1500,
                attrs: [a("langfuse.observation.type", "tool")] + owner("support", "triage") + trace("prod", "r1", "u1")),
            S(
                trace: 1, id: 4, parent: 1, name: "chat", day: d1a, start: 1600, end: 3600,
                attrs: gen("gpt-4o-mini", 200, 20, "0.0003", "0.0001", "0.0004") + owner("billing", "resolve") + trace("prod", "r1", "u1"),
                scores: [evaluator("no_refusal", false), label("tone", "neutral")]),
            S(trace: 2, id: 5, parent: nil, name: "support", day: d1b, start: 0, end: 2000, attrs: trace("prod", "r1", "u2")),
            S(
                trace: 2, id: 6, parent: 5, name: "chat", day: d1b, start: 0, end: 2000,
                attrs: gen("gpt-4o", 10, 10, "0.0001", "0.0001", "0.0002") + trace("prod", "r1", "u2"), error: true,
                scores: [numeric("relevance", 0.4)]),
            S(
                trace: 3, id: 7, parent: nil, name: "research", day: d2, start: 0, end: 500,
                attrs: gen("gpt-4o-mini", 5, 5, "0.000005", "0.000005", "0.00001") + owner("support", "search") + trace("dev", "r2", "u1"),
                scores: [evaluator("no_refusal", true)]),
            S(
                trace: 4, id: 8, parent: nil, name: "late", day: late, start: 0, end: 100,
                attrs: gen("gpt-4o", 500, 500, "0.5", "0.5", "1") + trace("prod", "r3", "u3"), scores: [numeric("relevance", 1)]),
        ]
        let json = spans.map { s in
            let parent = s.parent.map { #""parentSpanId": "\#(String(format: "%016x", $0))","# } ?? ""
            let status = s.error ? #""status": {"code": 2},"# : ""
            let events = s.scores.map {
                #"{"timeUnixNano": "\#(t(s.day, s.end))", "name": "gen_ai.evaluation.result", "attributes": [\#($0.joined(separator: ","))]}"#
            }
            return """
                {"traceId": "\(String(format: "%032x", s.trace))", "spanId": "\(String(format: "%016x", s.id))", \(parent) \(status) "name": "\(s.name)",
                 "startTimeUnixNano": "\(t(s.day, s.start))", "endTimeUnixNano": "\(t(s.day, s.end))", "attributes": [\(s.attrs.joined(separator: ","))],
                 "events": [\(events.joined(separator: ","))]}
                """
        }
        return #"{"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": ["# + json.joined(separator: ",") + "]}]}]}"
    }

    /// What each query must print (TSV, header first), worked out from the workload above.
    static let expected: [String: [String]] = [
        "request-count": ["traces", "3"],
        // Traces 4000, 2000, 500 ms: mean 2166.667; p95 interpolates 2000 + 0.9 × 2000.
        "average-latency": ["traces\tavg_ms\tp50_ms\tp95_ms", "3\t2166.667\t2000\t3800"],
        // Generation-like: s1 0, s2 0.003, s3 0, s4 0.0004, s6 0.0002, s7 0.00001 (s5 is a SPAN).
        "generation-cost": ["cost_usd\tobservations", "0.00361\t6"],
        "token-usage": ["model\tinput_tokens\toutput_tokens\ttotal_tokens", "gpt-4o-mini\t205\t25\t230", "gpt-4o\t110\t60\t170"],
        "daily-requests": ["day\ttraces", "2026-11-30\t2", "2026-12-01\t1"],
        // GENERATION latencies 1000, 2000, 2000, 500: p95 at position 2.85 of the sorted four is 2000.
        "observation-breakdown": [
            "type\tobservations\tcost_usd\tp95_ms", "GENERATION\t4\t0.00361\t2000", "AGENT\t1\t0\t4000", "SPAN\t1\t0\t2000", "TOOL\t1\t0\t300",
        ],
        "requests-by-environment": ["environment\ttraces", "prod\t2", "dev\t1"],
        "cost-by-release": [
            "bucket\trelease\tcost_usd", "2026-11-30 10:00:00\tr1\t0.0034", "2026-11-30 11:00:00\tr1\t0.0002", "2026-12-01 09:00:00\tr2\t0.00001",
        ],
        "cost-by-model": ["model\tcost_usd", "gpt-4o\t0.0032", "gpt-4o-mini\t0.00041"],
        "top-users-by-cost": ["user\tcost_usd\ttraces", "u1\t0.00341\t2", "u2\t0.0002\t1"],
        "top-use-cases-by-cost": ["name\tcost_usd\ttraces", "support\t0.0036\t2", "research\t0.00001\t1"],
        "latency-by-model": [
            "bucket\tmodel\tp95_ms", "2026-11-30 10:00:00\tgpt-4o\t1000", "2026-11-30 10:00:00\tgpt-4o-mini\t2000", "2026-11-30 11:00:00\tgpt-4o\t2000",
            "2026-12-01 09:00:00\tgpt-4o-mini\t500",
        ],
        "time-to-first-token-by-model": ["model\tcalls\tavg_ms\tp95_ms", "gpt-4o\t1\t300\t300"],
        // support: 4000 and 2000 → p50 3000, p90 3800, p95 3900, p99 3980.
        "trace-latency-table": [
            "name\ttraces\tp50_ms\tp90_ms\tp95_ms\tp99_ms", "support\t2\t3000\t3800\t3900\t3980", "research\t1\t500\t500\t500\t500",
        ],
        "observations-by-level": [
            "bucket\tlevel\tobservations", "2026-11-30 10:00:00\tDEFAULT\t4", "2026-11-30 11:00:00\tDEFAULT\t1", "2026-11-30 11:00:00\tERROR\t1",
            "2026-12-01 09:00:00\tDEFAULT\t1",
        ],
        "tokens-per-agent": [
            "agent\tcalls\tinput_tokens\toutput_tokens\ttotal_tokens", "billing\t1\t200\t20\t220", "support\t2\t105\t55\t160", "(none)\t1\t10\t10\t20",
        ],
        // Shares of 0.00361: 0.00301, 0.0004, 0.0002.
        "cost-per-agent": ["agent\tcost_usd\tshare", "support\t0.00301\t0.833795", "billing\t0.0004\t0.110803", "(none)\t0.0002\t0.055402"],
        // Support's second day adds to its first within 7 days.
        "cost-per-agent-rolling": [
            "day\tagent\tcost_usd\tcost_7d_usd", "2026-11-30\t(none)\t0.0002\t0.0002", "2026-11-30\tbilling\t0.0004\t0.0004",
            "2026-11-30\tsupport\t0.003\t0.003", "2026-12-01\tsupport\t0.00001\t0.00301",
        ],
        // T1 triage: s1–s3 from 0 to 4000; resolve: s4 2000; T3 search: 500.
        // Scores: no_refusal ×3 (EVAL: true, false, true), relevance ×2 (0.8, 0.4), tone ×1 in the window.
        "scores-table": [
            "name\tsource\tdata_type\tscores\tavg_value", "no_refusal\tEVAL\tBOOLEAN\t3\t0.666667", "relevance\tAPI\tNUMERIC\t2\t0.6",
            "tone\tAPI\tCATEGORICAL\t1\t",
        ],
        "score-count": ["numeric_scores\tcategorical_scores\tboolean_scores", "5\t1\t3"],
        "scores-over-time": [
            "bucket\tname\tdata_type\tsource\tscores\tavg_value", "2026-11-30 10:00:00\tno_refusal\tBOOLEAN\tEVAL\t2\t0.5",
            "2026-11-30 10:00:00\trelevance\tNUMERIC\tAPI\t1\t0.8", "2026-11-30 11:00:00\trelevance\tNUMERIC\tAPI\t1\t0.4",
            "2026-12-01 09:00:00\tno_refusal\tBOOLEAN\tEVAL\t1\t1",
        ],
        "evaluator-pass-rate": ["name\tevaluator\tscores\tpass_rate", "no_refusal\tevaluation/no_refusal\t3\t0.666667"],
        "latency-per-stage": [
            "stage\truns\tavg_ms\tp50_ms\tp95_ms", "resolve\t1\t2000\t2000\t2000", "search\t1\t500\t500\t500", "triage\t1\t4000\t4000\t4000",
        ],
    ]

    @Test func everyQueryGivesTheHandWorkedValuesOnBothSchemas() async throws {
        #expect(Set(Self.expected.keys) == Set(DashboardCatalog.names), "every query has its expected rows")
        let server = try await ClickHouseTestServer()
        defer { server.stop() }
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            processors: {batch: {timeout: 100ms}}
            exporters:
              clickhouse: {endpoint: "\(server.url)", username: "\(server.user)", password: "\(server.password)", project_id: p1, schema: both, create_schema: true}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [batch], exporters: [clickhouse]}}
            """
        try await CollectorHarness.with([yaml]) { running in
            let c = running[0]
            try await ConfigReloadTests.post("http://127.0.0.1:\(c.port("otlp/http"))/v1/traces", Self.workload())
            #expect(try await eventually { c.counters.total(.exporterSentSpans) == 8 }, "sent \(c.counters.total(.exporterSentSpans)) of 8")
        }
        let password = NSTemporaryDirectory() + "genai-ch-password-\(UUID().uuidString)"
        try server.password.write(toFile: password, atomically: true, encoding: .utf8)
        defer { removeTestFiles(password) }
        for schema in ["v3", "v4"] {
            for name in DashboardCatalog.names {
                let (status, out) = try await Scripts.cmd([
                    CollectorProcess.binary.path, "dashboards", "run", name, "--clickhouse", server.url, "--user", server.user, "--password-file", password,
                    "--project", "p1", "--from", "2026-11-30T00:00:00Z", "--to", "2026-12-02T00:00:00Z", "--schema", schema,
                ])
                #expect(status == 0, "\(name) (\(schema)): \(out)")
                let rows = out.split(separator: "\n").map(String.init)
                #expect(rows == Self.expected[name], "\(name) (\(schema))")
            }
        }
    }
}
