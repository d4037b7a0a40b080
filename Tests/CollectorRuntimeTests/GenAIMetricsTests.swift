import CollectorCore
@testable import ExporterHelper
@testable import CollectorRuntime
import GenAIMapping
import OTLP
import Testing
import Foundation

/// The GenAI series take their model label from clients: past the cap, `other`, counted.
@Suite(.timeLimit(.minutes(5)))
struct GenAIMetricsTests {
    @Test func modelLabelsAreCapped() throws {
        let models = GenAIMetrics.limits.model + 5
        var spans: [String] = []
        for i in 0..<models {
            let id = String(format: "%016x", i + 1)
            spans.append(
                """
                {"traceId": "0000000000000000\(id)", "spanId": "\(id)", "name": "chat", "startTimeUnixNano": "1764400000000000000",
                 "endTimeUnixNano": "1764400001000000000", "attributes": [
                  {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                  {"key": "gen_ai.request.model", "value": {"stringValue": "model-\(i)"}},
                  {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "10"}}]}
                """)
        }
        let json = #"{"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": ["# + spans.joined(separator: ",") + "]}]}]}"
        let records = GenAITranslator().translate(try OTLPJSONDecoder().decode(Array(json.utf8)))
        #expect(records.observations.count == models)
        let counters = Counters()
        GenAIMetrics.record([records], into: counters)
        let labels = Set(counters.snapshot().filter { $0.0.metric == .tokens }.compactMap { $0.0.labels["model"] })
        #expect(labels.count == GenAIMetrics.limits.model + 1 && labels.contains("other"))
        #expect(counters.value(.labelOverflow, ["label": "model"]) == 5)
        // Nothing is lost: the tokens of the five models past the cap are under `other`.
        let other = counters.snapshot().filter { $0.0.metric == .tokens && $0.0.labels["model"] == "other" && $0.0.labels["usage"] == "input" }
            .map(\.1).reduce(0, +)
        #expect(other == 50)
    }

    /// Durations of operations (not of plain spans), time to first token from the completion start,
    /// errors by model and agent: each exact, labelled by the agent metadata.
    @Test func latencyHistogramsAndErrorsByModelAndAgent() throws {
        func span(_ id: Int, _ name: String, _ attributes: String, status: String = "", end: String = "1764400001500000000") -> String {
            """
            {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "\(String(format: "%016x", id))", "name": "\(name)",
             "startTimeUnixNano": "1764400000000000000", "endTimeUnixNano": "\(end)", \(status) "attributes": [\(attributes)]}
            """
        }
        let chat =
            #"{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}, {"key": "gen_ai.request.model", "value": {"stringValue": "m1"}}, {"key": "langfuse.observation.metadata.agent", "value": {"stringValue": "planner"}}"#
        let spans = [
            span(1, "chat", chat + #", {"key": "langfuse.observation.completion_start_time", "value": {"stringValue": "2025-11-29T07:06:40.300Z"}}"#),
            span(2, "chat", chat, status: #""status": {"code": 2, "message": "rate limited"},"#, end: "1764400000200000000"),
            span(3, "plain", ""),
        ]
        let json = #"{"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": ["# + spans.joined(separator: ",") + "]}]}]}"
        let counters = Counters()
        GenAIMetrics.record([GenAITranslator().translate(try OTLPJSONDecoder().decode(Array(json.utf8)))], into: counters)
        let durations = counters.histogram(.operationDuration, ["model": "m1", "type": "generation", "environment": "default", "agent": "planner"])
        #expect(durations?.count == 2 && durations.map { abs($0.sum - 1.7) < 1e-9 } == true, "\(String(describing: durations))")
        #expect(counters.histogramSnapshot().filter { $0.0.metric == .operationDuration }.count == 1, "plain spans are not timed")
        let ttft = counters.histogram(.timeToFirstToken, ["model": "m1"])
        #expect(ttft?.count == 1 && ttft.map { abs($0.sum - 0.3) < 1e-9 } == true, "\(String(describing: ttft))")
        #expect(counters.value(.observationErrors, ["model": "m1", "agent": "planner", "type": "generation", "environment": "default"]) == 1)
        #expect(counters.total(.observationErrors) == 1)
    }
}
