import CollectorCore
import GenAIMapping
import GenAISemantics
import OTLP
import Testing

/// `gen_ai.evaluation.result` span events become Langfuse scores on the observation and trace they
/// are on: the value, label and explanation mapped, ids derived (a resend does not duplicate),
/// unusable events noted.
@Suite(.timeLimit(.minutes(5)))
struct EvaluationScoreTests {
    static func evaluation(_ attributes: [(String, A)], at time: UInt64 = 1_700_000_002_000_000_000) -> (name: String, time: UInt64, attributes: [(String, A)])
    {
        ("gen_ai.evaluation.result", time, attributes)
    }

    static let span = TestSpan(
        attributes: [("gen_ai.operation.name", .s("chat")), ("gen_ai.request.model", .s("gpt-4o")), ("langfuse.environment", .s("prod"))],
        events: [
            evaluation([
                ("gen_ai.evaluation.name", .s("relevance")), ("gen_ai.evaluation.score.value", .d(0.8)),
                ("gen_ai.evaluation.score.label", .s("relevant")), ("gen_ai.evaluation.explanation", .s("answers the question")),
            ]),
            evaluation([("gen_ai.evaluation.name", .s("correct")), ("gen_ai.evaluation.score.label", .s("True"))]),
            evaluation([("gen_ai.evaluation.name", .s("tone")), ("gen_ai.evaluation.score.label", .s("friendly"))]),
            evaluation([("gen_ai.evaluation.name", .s("toxicity")), ("gen_ai.evaluation.score.value", .s("0.05"))]),
            evaluation([("gen_ai.evaluation.score.value", .d(1))]),  // no name
            evaluation([("gen_ai.evaluation.name", .s("empty"))]),  // neither value nor label
            ("gen_ai.choice", 1_700_000_002_000_000_000, [("index", .i(0))]),
        ])

    @Test func eachUsableEventIsAScoreOnItsObservation() throws {
        var stats = GenAITranslator.Stats()
        let records = GenAITranslator().translate(try makeBatch([Self.span]), stats: &stats)
        let scores = records.scores
        #expect(scores.map(\.name) == ["relevance", "correct", "tone", "toxicity"])
        #expect(stats.notes[.evaluationUnusable] == 2)
        let observation = try #require(records.observations.first)
        #expect(scores.allSatisfy { $0.traceID == observation.traceID && $0.observationID == observation.id })
        #expect(scores.allSatisfy { $0.environment == "prod" && $0.source == "API" && $0.timestampUnixNano == 1_700_000_002_000_000_000 })
        #expect(scores[0].dataType == .numeric && scores[0].value == 0.8 && scores[0].comment == "answers the question")
        #expect(scores[0].metadata == [JSONMember("label", .string("relevant"))] && scores[0].stringValue == nil)
        #expect(scores[1].dataType == .boolean && scores[1].value == 1 && scores[1].stringValue == "True")
        #expect(scores[2].dataType == .categorical && scores[2].value == 0 && scores[2].stringValue == "friendly")
        #expect(scores[3].dataType == .numeric && scores[3].value == 0.05)
    }

    @Test func idsAreDerivedSoAResendDoesNotDuplicate() throws {
        let first = try translate([Self.span]).scores.map(\.id)
        let again = try translate([Self.span]).scores.map(\.id)
        #expect(first == again)
        #expect(Set(first).count == 4 && first.allSatisfy { $0.count == 36 && $0.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12] })
        var other = Self.span
        other.spanID = "00f067aa0ba902b7"
        let others = Set(try translate([other]).scores.map(\.id))
        #expect(others.isDisjoint(with: first), "another observation, other ids")
    }

    /// The ingestion events: a number for numeric and boolean scores, the label for categorical ones.
    @Test func scoresAreScoreCreateEvents() throws {
        let events = IngestionBatchEncoder().events(try translate([Self.span])).filter { $0["type"]?.stringValue == "score-create" }
        #expect(events.count == 4)
        let bodies = events.compactMap { $0["body"] }
        #expect(bodies.map { $0["value"] } == [.double(0.8), .int(1), .string("friendly"), .double(0.05)])
        #expect(bodies.map { $0["dataType"]?.stringValue } == ["NUMERIC", "BOOLEAN", "CATEGORICAL", "NUMERIC"])
        #expect(
            bodies.allSatisfy { $0["traceId"]?.stringValue == "0af7651916cd43dd8448eb211c80319c" && $0["observationId"]?.stringValue == "b7ad6b7169203331" })
        #expect(bodies.first?["comment"]?.stringValue == "answers the question")
        let eventIDs = Set(events.compactMap { $0["id"]?.stringValue })
        let scoreIDs = Set(bodies.compactMap { $0["id"]?.stringValue })
        #expect(eventIDs.count == 4 && scoreIDs.count == 4, "one event id per score")
        #expect(eventIDs.isDisjoint(with: scoreIDs))
    }
}
