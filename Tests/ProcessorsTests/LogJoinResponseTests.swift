import CollectorCore
import GenAIMapping
import OTLP
@testable import Processors
import Testing

/// Records without span context (an evaluator scoring a response after the fact) find their model
/// span through `gen_ai.response.id`: before it comes, while it waits, and never when nothing has it.
@Suite(.timeLimit(.minutes(2)))
struct LogJoinResponseTests {
    static let trace = LogJoinTests.trace

    /// A model call span with a response id, in `scope`.
    static func span(_ id: String, response: String, scope: String = LogJoinTests.scope) throws -> TraceBatch {
        let json = """
            {"resourceSpans":[{"scopeSpans":[{"scope":{"name":"\(scope)"},"spans":[
             {"traceId":"\(trace)","spanId":"\(id)","name":"chat gpt-4o-mini","kind":3,"startTimeUnixNano":"1","endTimeUnixNano":"2",
              "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.system","value":{"stringValue":"openai"}},
                            {"key":"gen_ai.response.id","value":{"stringValue":"\(response)"}}]}]}]}]}
            """
        return try OTLPJSONDecoder().decode(Array(json.utf8))
    }

    /// An evaluation record with no trace or span id, naming the response it scores.
    static func evaluation(_ name: String, response: String?, score: Double) throws -> TraceBatch {
        let responseAttribute = response.map { #",{"key":"gen_ai.response.id","value":{"stringValue":"\#($0)"}}"# } ?? ""
        let json = """
            {"resourceLogs":[{"scopeLogs":[{"scope":{"name":"evaluator"},"logRecords":[
             {"timeUnixNano":"5","eventName":"gen_ai.evaluation.result",
              "attributes":[{"key":"gen_ai.evaluation.name","value":{"stringValue":"\(name)"}},
                            {"key":"gen_ai.evaluation.score.value","value":{"doubleValue":\(score)}}\(responseAttribute)]}]}]}]}
            """
        return try OTLPJSONDecoder().decode(Array(json.utf8), signal: .logs)
    }

    static func scores(_ batch: TraceBatch) -> [String] {
        GenAITranslator().translate(batch).scores.map { "\($0.name)=\($0.value)@\($0.observationID?.hex ?? "-")" }.sorted()
    }

    @Test func aRecordBeforeItsSpanWaitsForTheResponseID() throws {
        var join = JoinBuffer(config: LogJoin.Config())
        #expect(join.offer(try Self.evaluation("relevance", response: "chatcmpl-1", score: 0.8), now: .zero).isEmpty)
        #expect(join.heldRecords == 1)
        // A span of a scope that does not wait (content on the span): it still takes its record.
        let released = join.add(try Self.span("1111111111111111", response: "chatcmpl-1", scope: "my.app"), cost: 1, token: 1, now: .seconds(1))
        #expect(released.map(\.token) == [1])
        #expect(Self.scores(released[0].batch) == ["relevance=0.8@1111111111111111"])
        #expect(join.recordOutcomes == [.joined: 1] && join.heldRecords == 0 && join.bytes == 0)
        // Another span with the same response id later finds nothing held.
        let again = join.add(try Self.span("2222222222222222", response: "chatcmpl-1", scope: "my.app"), cost: 1, token: 2, now: .seconds(1))
        #expect(Self.scores(again[0].batch).isEmpty)
    }

    @Test func aRecordForAWaitingSpanJoinsItThere() throws {
        var join = JoinBuffer(config: LogJoin.Config())
        #expect(join.add(try Self.span("1111111111111111", response: "chatcmpl-2"), cost: 1, token: 7, now: .zero).isEmpty)
        #expect(join.offer(try Self.evaluation("grounded", response: "chatcmpl-2", score: 1), now: .seconds(1)).isEmpty)
        // An evaluation is not the span's output: the span still waits for it, then goes with both.
        #expect(join.heldRecords == 0 && join.waitingSpans == 1)
        let released = join.due(now: .seconds(10))
        #expect(released.map(\.token) == [7])
        #expect(Self.scores(released[0].batch) == ["grounded=1.0@1111111111111111"])
        #expect(join.recordOutcomes == [.joined: 1] && join.spanOutcomes == [.noRecords: 1])
    }

    @Test func aRecordNoSpanAnswersIsUnmatchedAndOneWithoutAnyIDIsLeftAlone() throws {
        var join = JoinBuffer(config: LogJoin.Config(window: .seconds(5)))
        #expect(join.offer(try Self.evaluation("relevance", response: "chatcmpl-unknown", score: 0.1), now: .zero).isEmpty)
        #expect(join.offer(try Self.evaluation("relevance", response: nil, score: 0.1), now: .zero).isEmpty)
        #expect(join.heldRecords == 1)
        #expect(join.due(now: .seconds(5)).isEmpty)
        #expect(join.recordOutcomes == [.unmatched: 1] && join.heldRecords == 0 && join.bytes == 0)
        // Dropped records no longer make spans look for their response id.
        #expect(join.add(try Self.span("1111111111111111", response: "chatcmpl-unknown", scope: "my.app"), cost: 1, token: 1, now: .seconds(6)).count == 1)
    }
}
