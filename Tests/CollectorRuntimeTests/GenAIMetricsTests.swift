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
}
