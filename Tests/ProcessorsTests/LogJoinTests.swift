import CollectorCore
import Foundation
import OTLP
@testable import Processors
import Testing

/// The join's state on its own: records and spans in any order, across requests; the window and the
/// bounds; every record and every waiting span leaves with an outcome.
@Suite(.timeLimit(.minutes(2)))
struct LogJoinTests {
    static let scope = "opentelemetry.instrumentation.openai_v2"

    /// A model call span (and, with `parent`, a plain parent span) in one traces request.
    static func spans(_ trace: String, _ ids: [String], scope: String = scope, parent: String? = nil) throws -> TraceBatch {
        var spans = ids.map { id in
            """
            {"traceId":"\(trace)","spanId":"\(id)","name":"chat gpt-4o-mini","kind":3,"startTimeUnixNano":"1","endTimeUnixNano":"2",
             "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.system","value":{"stringValue":"openai"}}]}
            """
        }
        if let parent { spans.append(#"{"traceId":"\#(trace)","spanId":"\#(parent)","name":"app"}"#) }
        let json = #"{"resourceSpans":[{"scopeSpans":[{"scope":{"name":"\#(scope)"},"spans":[\#(spans.joined(separator: ","))]}]}]}"#
        return try OTLPJSONDecoder().decode(Array(json.utf8))
    }

    /// GenAI event records: (span id, event name, body content, time).
    static func records(_ trace: String, _ items: [(span: String, name: String, content: String, time: Int)]) throws -> TraceBatch {
        let records = items.map { r in
            """
            {"timeUnixNano":"\(r.time)","traceId":"\(trace)","spanId":"\(r.span)","eventName":"\(r.name)",
             "body":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"\(r.content)"}}]}},
             "attributes":[{"key":"gen_ai.system","value":{"stringValue":"openai"}}]}
            """
        }
        let json = #"{"resourceLogs":[{"scopeLogs":[{"scope":{"name":"\#(scope)"},"logRecords":[\#(records.joined(separator: ","))]}]}]}"#
        return try OTLPJSONDecoder().decode(Array(json.utf8), signal: .logs)
    }

    static let trace = "0102030405060708090a0b0c0d0e0f10"

    /// The joined events of one span: (name, content), in order.
    static func events(_ batch: TraceBatch, span: String) -> [(String, String)] {
        guard let s = batch.spans.first(where: { $0.spanID.hex == span }) else { return [] }
        return batch.events[s.events.range].map { e in
            let content = batch.attributeIndex(in: e.attributes, key: "content").map { batch.stringified(batch.attributes[$0].value) } ?? ""
            return (batch.string(e.name), content)
        }
    }

    @Test func recordsBeforeTheSpanAreAttachedWhenItComes() throws {
        var join = JoinBuffer(config: LogJoin.Config())
        let logs = try Self.records(
            Self.trace, [("1111111111111111", "gen_ai.choice", "answer", 30), ("1111111111111111", "gen_ai.user.message", "question", 10)])
        #expect(join.offer(logs, now: .zero).isEmpty)
        #expect(join.heldRecords == 2)
        let released = join.add(try Self.spans(Self.trace, ["1111111111111111"]), cost: 7, token: 1, now: .seconds(1))
        #expect(released.map(\.token) == [1] && released.first?.cost == 7)
        // In time order, whatever order they came in.
        #expect(Self.events(released[0].batch, span: "1111111111111111").map(\.0) == ["gen_ai.user.message", "gen_ai.choice"])
        #expect(Self.events(released[0].batch, span: "1111111111111111").map(\.1) == ["question", "answer"])
        #expect(join.recordOutcomes == [.joined: 2] && join.spanOutcomes == [.joined: 1])
        #expect(join.heldRecords == 0 && join.bytes == 0 && join.heldRequests == 0)
    }

    @Test func aSpanWaitsForItsRecordsAcrossRequests() throws {
        var join = JoinBuffer(config: LogJoin.Config())
        // Two model calls and their parent in one request; records come in two later requests.
        let spans = try Self.spans(Self.trace, ["1111111111111111", "2222222222222222"], parent: "3333333333333333")
        #expect(join.add(spans, cost: 5, token: 9, now: .zero).isEmpty)
        #expect(join.waitingSpans == 2 && join.heldRequests == 1)
        // The first call's input, then its output: the request still waits for the second call.
        #expect(join.offer(try Self.records(Self.trace, [("1111111111111111", "gen_ai.user.message", "q1", 1)]), now: .seconds(1)).isEmpty)
        #expect(join.offer(try Self.records(Self.trace, [("1111111111111111", "gen_ai.choice", "a1", 2)]), now: .seconds(1)).isEmpty)
        #expect(join.waitingSpans == 1)
        let released = join.offer(
            try Self.records(Self.trace, [("2222222222222222", "gen_ai.user.message", "q2", 3), ("2222222222222222", "gen_ai.choice", "a2", 4)]),
            now: .seconds(2))
        #expect(released.map(\.token) == [9])
        let batch = try #require(released.first?.batch)
        #expect(Self.events(batch, span: "1111111111111111").map(\.1) == ["q1", "a1"])
        #expect(Self.events(batch, span: "2222222222222222").map(\.1) == ["q2", "a2"])
        #expect(Self.events(batch, span: "3333333333333333").isEmpty)
        #expect(batch.spans.count == 3)
        #expect(join.recordOutcomes == [.joined: 4] && join.spanOutcomes == [.joined: 2] && join.bytes == 0)
    }

    @Test func theWindowRunsOutOnBothSides() throws {
        var join = JoinBuffer(config: LogJoin.Config(window: .seconds(5)))
        #expect(join.add(try Self.spans(Self.trace, ["1111111111111111"]), cost: 1, token: 1, now: .zero).isEmpty)
        // A record for a span that never comes.
        #expect(join.offer(try Self.records(Self.trace, [("9999999999999999", "gen_ai.choice", "lost", 1)]), now: .seconds(2)).isEmpty)
        #expect(join.due(now: .milliseconds(4999)).isEmpty)
        let released = join.due(now: .seconds(5))
        #expect(released.map(\.token) == [1])
        #expect(Self.events(released[0].batch, span: "1111111111111111").isEmpty)
        #expect(join.spanOutcomes == [.noRecords: 1] && join.heldRecords == 1)
        #expect(join.due(now: .seconds(7)).isEmpty)
        #expect(join.recordOutcomes == [.unmatched: 1] && join.heldRecords == 0 && join.bytes == 0)
    }

    @Test func spansOfOtherScopesAndNonModelSpansDoNotWait() throws {
        var join = JoinBuffer(config: LogJoin.Config())
        #expect(join.add(try Self.spans(Self.trace, ["1111111111111111"], scope: "my.app"), cost: 1, token: 1, now: .zero).count == 1)
        #expect(join.add(try Self.spans(Self.trace, [], parent: "2222222222222222"), cost: 1, token: 2, now: .zero).count == 1)
        #expect(join.waitingSpans == 0 && join.spanOutcomes.isEmpty)
    }

    /// A span that carries its output event already (joined by a sidecar, or sent as span events) goes on at once.
    @Test func aSpanJoinedBeforeDoesNotWaitAgain() throws {
        var join = JoinBuffer(config: LogJoin.Config())
        let logs = try Self.records(Self.trace, [("1111111111111111", "gen_ai.choice", "answer", 3)])
        #expect(join.offer(logs, now: .zero).isEmpty)
        let joined = try #require(join.add(try Self.spans(Self.trace, ["1111111111111111"]), cost: 1, token: 1, now: .zero).first?.batch)
        var again = JoinBuffer(config: LogJoin.Config())
        #expect(again.add(joined, cost: 1, token: 2, now: .zero).map(\.token) == [2])
        #expect(again.waitingSpans == 0 && again.spanOutcomes.isEmpty)
    }

    @Test func theBoundsReleaseTheOldestAndDropTheOldestRecords() throws {
        var join = JoinBuffer(config: LogJoin.Config(maxSpans: 2, maxRecords: 3))
        for (i, id) in ["1111111111111111", "2222222222222222"].enumerated() {
            #expect(join.add(try Self.spans(Self.trace, [id]), cost: 1, token: i, now: .zero).isEmpty)
        }
        // A third waiting span passes max_spans: the oldest request goes on early, counted.
        let early = join.add(try Self.spans(Self.trace, ["3333333333333333"]), cost: 1, token: 2, now: .zero)
        #expect(early.map(\.token) == [0] && join.spanOutcomes == [.evicted: 1] && join.waitingSpans == 2)
        // Four records for spans not here: the oldest is dropped, counted.
        let others = (1...4).map { ("aaaaaaaaaaaaaaa\($0)", "gen_ai.user.message", "m\($0)", $0) }
        #expect(join.offer(try Self.records(Self.trace, others), now: .zero).isEmpty)
        #expect(join.heldRecords == 3 && join.recordOutcomes == [.evicted: 1])
        let rest = join.drain()
        #expect(Set(rest.map(\.token)) == [1, 2])
        #expect(join.spanOutcomes == [.evicted: 1, .flushed: 2] && join.recordOutcomes == [.evicted: 1, .flushed: 3])
        #expect(join.bytes == 0 && join.heldRecords == 0 && join.waitingSpans == 0)
    }

    @Test func theByteBoundHoldsToo() throws {
        var join = JoinBuffer(config: LogJoin.Config(maxBytes: 4096))
        let big = String(repeating: "x", count: 3000)
        let first = try Self.records(Self.trace, [("aaaaaaaaaaaaaaa1", "gen_ai.user.message", big, 1)])
        let second = try Self.records(Self.trace, [("aaaaaaaaaaaaaaa2", "gen_ai.user.message", big, 2)])
        #expect(join.offer(first, now: .zero).isEmpty && join.heldRecords == 1)
        #expect(join.offer(second, now: .zero).isEmpty)
        #expect(join.heldRecords == 1 && join.recordOutcomes == [.evicted: 1] && join.bytes <= 4096)
    }

    @Test func theOldEventNameAttributeAndStringBodiesAreTaken() throws {
        let json = """
            {"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"\(Self.trace)","spanId":"1111111111111111","timeUnixNano":"5",
             "body":{"stringValue":"plain text"},"attributes":[{"key":"event.name","value":{"stringValue":"gen_ai.choice"}},
             {"key":"gen_ai.system","value":{"stringValue":"openai"}},{"key":"extra","value":{"intValue":"3"}}]},
             {"traceId":"\(Self.trace)","spanId":"1111111111111111","eventName":"app.log","body":{"stringValue":"not GenAI"}}]}]}]}
            """
        var join = JoinBuffer(config: LogJoin.Config())
        #expect(join.offer(try OTLPJSONDecoder().decode(Array(json.utf8), signal: .logs), now: .zero).isEmpty)
        #expect(join.heldRecords == 1)
        let batch = try #require(join.add(try Self.spans(Self.trace, ["1111111111111111"]), cost: 1, token: 1, now: .zero).first?.batch)
        let span = try #require(batch.spans.first)
        let e = batch.events[Int(span.events.start)]
        let keys = batch.attributes[e.attributes.range].map { batch.string($0.key) }
        // The envelope keys stay off the event: they would read as message fields.
        #expect(batch.string(e.name) == "gen_ai.choice" && keys == ["content", "extra"] && e.timeUnixNano == 5)
    }
}
