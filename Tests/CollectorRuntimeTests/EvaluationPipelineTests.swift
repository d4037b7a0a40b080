import CollectorCore
import CollectorRuntime
import Foundation
import TestSupport
import Testing

/// Scores from instrumentation, live: the real OpenTelemetry SDK sends a chat span with a
/// `gen_ai.evaluation.result` span event, and an evaluator's verdict as an event log record that
/// the log join attaches to the span (Tests/Frameworks/evaluation_app.py). Both come out as
/// score-create events on that observation, and are counted.
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
            #expect(try await eventually { c.counters.total(.exporterSentSpans) == 1 && c.counters.total(.exporterSentLogRecords) == 1 })
            #expect(c.counters.value(.logJoinRecords, ["processor": "log_join", "outcome": "joined"]) == 1)
            #expect(c.counters.value(.scores, ["name": "relevance", "data_type": "NUMERIC", "source": "API"]) == 1)
            #expect(c.counters.value(.scores, ["name": "grounded", "data_type": "BOOLEAN", "source": "API"]) == 1)
            #expect(c.counters.total(.scores) == 2)
        }
        let scores = try CollectorHarness.lines(dir).filter { $0["type"]?.stringValue == "score-create" }.compactMap { $0["body"] }
        #expect(scores.count == 2)
        let byName = Dictionary(uniqueKeysWithValues: scores.compactMap { s in s["name"]?.stringValue.map { ($0, s) } })
        #expect(byName["relevance"]?["value"] == .double(0.9) && byName["relevance"]?["comment"] == .string("on topic"))
        #expect(byName["grounded"]?["value"] == .int(1) && byName["grounded"]?["dataType"] == .string("BOOLEAN"))
        #expect(scores.allSatisfy { $0["traceId"] == ids["trace"] && $0["observationId"] == ids["span"] }, "\(scores) on \(ids)")
    }
}
