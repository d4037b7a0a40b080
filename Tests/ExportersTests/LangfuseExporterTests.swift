import CollectorCore
@testable import ExporterHelper
import ComponentModel
@testable import Exporters
import Foundation
import GenAIMapping
import Logging
import OTLP
import TestSupport
import Testing
import SwiftProtobuf
import NIOHTTP1

/// The langfuse exporter against the contract server (`scripts/langfuse_contract_server.py`): Basic
/// auth, content types, gzip, ingestion events validated against Langfuse's OpenAPI schemas, and
/// failures on command.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct LangfuseExporterTests {
    static func config(_ server: LangfuseTestServer?, _ extra: [String: String] = [:]) throws -> LangfuseExporter.Config {
        var values: [String: String] = [
            "host": server?.url ?? "http://127.0.0.1:9",
            "public_key": server?.publicKey ?? "pk",
            "secret_key": server?.secretKey ?? "sk",
            "timeout": "5s",
        ]
        values.merge(extra) { $1 }
        var map = try ConfigMap(
            .mapping(values.sorted { $0.key < $1.key }.map { ConfigEntry($0.key, .scalar($0.value, quoted: true)) }), path: "exporters.langfuse")
        let c = try LangfuseExporter.Config(&map)
        try map.finish()
        return c
    }

    struct Received: Decodable {
        struct Request: Decodable {
            let path: String
            let headers: [String: String]
            let bytes: Int
        }
        struct Event: Decodable {
            struct Body: Decodable { let id: String? }
            let id: String
            let type: String
            let body: Body
        }
        struct Span: Decodable {
            let span_id: String
            let attributes: [String: String]
        }
        let events: [Event]
        let spans: [Span]
        let requests: [Request]
        let failures_served: Int
    }

    static func received(_ server: LangfuseTestServer) async throws -> Received {
        let r = try await HTTPTransport(tls: nil).send(
            .GET, server.url + "/__control/received", headers: [], body: nil, timeout: .seconds(5), maxResponseBytes: 1 << 28)
        return try JSONDecoder().decode(Received.self, from: Data(r.body))
    }

    /// Commands the next failure; the server must take it.
    static func failNext(_ server: LangfuseTestServer, _ command: String) async throws {
        let r = try await HTTPTransport(tls: nil).send(
            .POST, server.url + "/__control/fail", headers: [("Content-Type", "application/json")],
            body: Array(command.utf8), timeout: .seconds(5))
        try #require(r.status == 200, "the contract server refused the failure command: \(r.status) \(r.text)")
    }

    static func item() throws -> ExportItem { try ClickHouseExporterTests.item() }

    @Test func otlpModePostsEnrichedSpansAndTheirScoresAsLangfuseExpects() async throws {
        let server = try await LangfuseTestServer()
        defer { server.stop() }
        let e = try LangfuseExporter(config: try Self.config(server), settings: .standalone("langfuse", .exporter))
        let item = try Self.item()
        try await e.export(item)
        let got = try await Self.received(server)
        #expect(got.spans.count == item.spanCount)
        // The spans, then the evaluation fixture's three scores as score-create events (Langfuse's
        // OTel endpoint makes no scores of evaluation events); validated against openapi.yml.
        #expect(got.requests.map(\.path) == ["/api/public/otel/v1/traces", "/api/public/ingestion"])
        #expect(got.events.map(\.type) == ["score-create", "score-create", "score-create"])
        let scoreIDs = Set(try ClickHouseRowTests.records().flatMap(\.scores).map(\.id))
        #expect(Set(got.events.compactMap(\.body.id)) == scoreIDs && scoreIDs.count == 3)
        #expect(got.requests.last?.headers["x-langfuse-ingestion-version"] == nil)
        let h = try #require(got.requests.first?.headers)
        #expect(h["content-type"] == "application/x-protobuf" && h["content-encoding"] == "gzip" && h["x-langfuse-ingestion-version"] == "4")
        #expect(h["authorization"] == "Basic " + Data("pk-lf-test:sk-lf-test".utf8).base64EncodedString())
        #expect(h["x-langfuse-sdk-name"] == "genai-collector")
        // The cost the processors inferred travels as Langfuse's own attribute.
        #expect(got.spans.contains { $0.attributes["langfuse.observation.cost_details"] != nil })
        await e.shutdown()
    }

    @Test func otlpRequestsAreCutAtTheSizeLimit() async throws {
        let server = try await LangfuseTestServer()
        defer { server.stop() }
        let e = try LangfuseExporter(
            config: try Self.config(server, ["max_request_bytes": "65536", "compression": "none"]), settings: .standalone("langfuse", .exporter))
        // Ten requests of ~20 KiB: joined up to the limit, never beyond it.
        let parts = try (1...10).map { seed in try OTLPProtobufDecoder().decode(try SampleRequests.llmShaped(spans: 10, seed: UInt64(seed)).serializedBytes()) }
        #expect(parts.allSatisfy { OTLPProtobufEncoder().encode($0).count < 32_768 })
        let item = ExportItem(parts: parts, records: nil)
        try await e.export(item)
        let got = try await Self.received(server)
        #expect(got.spans.count == item.spanCount && got.requests.count > 1 && got.requests.count < 10)
        #expect(got.requests.allSatisfy { $0.bytes <= 65536 })
        await e.shutdown()
    }

    @Test func ingestionModeEventsValidateAgainstTheOpenAPISpec() async throws {
        let server = try await LangfuseTestServer()
        defer { server.stop() }
        let counters = Counters()
        let e = try LangfuseExporter(
            config: try Self.config(server, ["mode": "ingestion", "max_request_bytes": "65536"]),
            settings: .standalone("langfuse", .exporter, counters: counters))
        // The captures and synthetic fixtures, plus 200 LLM-shaped spans so the events need several requests.
        var records = try ClickHouseRowTests.records()
        records.append(GenAITranslator().translate(try OTLPProtobufDecoder().decode(try SampleRequests.llmShaped(spans: 200).serializedBytes())))
        let item = ExportItem(parts: records.map(\.batch), records: records)
        let events = item.records!.reduce(0) { $0 + $1.traces.count + $1.observations.count + $1.scores.count }
        try await e.export(item)
        let got = try await Self.received(server)
        // Every event passed the schema check (a failing one would be counted as rejected, not stored).
        #expect(got.events.count == events)
        #expect(counters.total(.exporterRejectedEvents) == 0)
        #expect(got.requests.count > 1 && got.requests.allSatisfy { $0.path == "/api/public/ingestion" && $0.bytes <= 65536 })
        #expect(Set(got.events.map(\.type)).isSuperset(of: ["trace-create", "generation-create", "span-create", "score-create"]))
        await e.shutdown()
    }

    @Test func eventErrorsAreRetriedOrCounted() async throws {
        let server = try await LangfuseTestServer()
        defer { server.stop() }
        let counters = Counters()
        let e = try LangfuseExporter(config: try Self.config(server, ["mode": "ingestion"]), settings: .standalone("langfuse", .exporter, counters: counters))
        let item = try Self.item()
        let events = item.records!.reduce(0) { $0 + $1.traces.count + $1.observations.count + $1.scores.count }
        // A 207 whose events all failed with 500: sent again within the attempt, then all accepted.
        try await Self.failNext(server, #"{"event_status": 500, "count": 1}"#)
        try await e.export(item)
        var got = try await Self.received(server)
        // The first answer failed every event (none accepted); all arrived, so they were sent again.
        #expect(got.failures_served == 1 && got.events.count == events, "\(got.failures_served) \(got.events.count)")
        // 429 per event (the server throttling some events of a batch): sent again within the attempt.
        try await Self.failNext(server, #"{"event_status": 429, "count": 1}"#)
        try await e.export(item)
        got = try await Self.received(server)
        #expect(got.failures_served == 2 && got.events.count == 2 * events, "\(got.failures_served) \(got.events.count)")
        // 400 per event: not retried, counted.
        try await Self.failNext(server, #"{"event_status": 400, "count": 1}"#)
        try await e.export(item)
        got = try await Self.received(server)
        #expect(got.failures_served == 3 && got.events.count == 2 * events, "\(got.failures_served) \(got.events.count)")
        #expect(counters.value(.exporterRejectedEvents, ["exporter": "langfuse", "status": "400"]) == events)
        await e.shutdown()
    }

    /// A 207 whose body does not list the events' results tells nothing about what was stored: the
    /// batch is a retryable failure (sent again by the queue), never counted as delivered.
    @Test func aGarbled207IsRetryable() async throws {
        let server = try await LangfuseTestServer()
        defer { server.stop() }
        let e = try LangfuseExporter(config: try Self.config(server, ["mode": "ingestion"]), settings: .standalone("langfuse", .exporter, counters: Counters()))
        let item = try Self.item()
        let events = item.records!.reduce(0) { $0 + $1.traces.count + $1.observations.count + $1.scores.count }
        try await Self.failNext(server, #"{"garbled_207": true, "count": 1}"#)
        do throws(ExportFailure) {
            try await e.export(item)
            Issue.record("a garbled 207 was taken as delivered")
        } catch {
            #expect(!error.isPermanent && "\(error)".contains("207"), "\(error)")
        }
        var got = try await Self.received(server)
        #expect(got.failures_served == 1 && got.events.isEmpty, "\(got.failures_served) \(got.events.count)")
        try await e.export(item)
        got = try await Self.received(server)
        #expect(got.events.count == events)
        await e.shutdown()
    }

    @Test func wrongKeysArePermanent() async throws {
        let server = try await LangfuseTestServer()
        defer { server.stop() }
        let e = try LangfuseExporter(config: try Self.config(server, ["secret_key": "sk-wrong"]), settings: .standalone("langfuse", .exporter))
        let item = try Self.item()
        do throws(ExportFailure) {
            try await e.export(item)
            Issue.record("expected 401")
        } catch {
            #expect(error.isPermanent && "\(error)".contains("401"), "\(error)")
        }
        try await Self.failNext(server, #"{"status": 403, "count": 1}"#)
        #expect(try await Self.received(server).failures_served == 0)
        let right = try LangfuseExporter(config: try Self.config(server), settings: .standalone("langfuse", .exporter))
        do throws(ExportFailure) {
            try await right.export(item)
            Issue.record("expected 403")
        } catch {
            #expect(error.isPermanent && "\(error)".contains("403"), "\(error)")
        }
        #expect(try await Self.received(server).failures_served == 1)
    }

    @Test func throttlingErrorsAndSlowAnswersAreRetriedThroughTheQueue() async throws {
        let server = try await LangfuseTestServer()
        defer { server.stop() }
        let counters = Counters()
        var s = settings(initial: .milliseconds(50))
        s.timeout = .seconds(1)
        let queue = ExporterQueue(
            exporter: try LangfuseExporter(config: try Self.config(server), settings: .standalone("langfuse", .exporter)), settings: s,
            counters: counters, logger: Logger(label: "t"))
        let item = try Self.item()
        try await withQueue(queue) { () async throws in
            // 429 with Retry-After: 1 → the next attempt waits a second.
            try await Self.failNext(server, #"{"status": 429, "count": 1, "retry_after": 1}"#)
            let started = ContinuousClock.now
            queue.offer(item)
            #expect(try await eventually { counters.value(.exporterSentSpans, ["exporter": "langfuse"]) == item.spanCount })
            #expect(ContinuousClock.now - started >= .seconds(1))
            #expect(try await Self.received(server).failures_served == 1)
            #expect(counters.value(.exporterRetries, ["exporter": "langfuse"]) == 1)
            // 500, then an answer slower than the timeout: both retried.
            try await Self.failNext(server, #"{"status": 500, "count": 1}"#)
            queue.offer(item)
            #expect(try await eventually { counters.value(.exporterSentSpans, ["exporter": "langfuse"]) == 2 * item.spanCount })
            #expect(try await Self.received(server).failures_served == 2)
            #expect(counters.value(.exporterRetries, ["exporter": "langfuse"]) == 2)
            try await Self.failNext(server, #"{"delay_s": 2, "count": 1}"#)
            queue.offer(item)
            #expect(try await eventually { counters.value(.exporterSentSpans, ["exporter": "langfuse"]) == 3 * item.spanCount })
            #expect(counters.value(.exporterRetries, ["exporter": "langfuse"]) == 3)
        }
        #expect(counters.total(.droppedSpans) == 0)
        // The same batch three times, each once, plus the copy the slow answer took in after the
        // exporter had stopped waiting (at least once: the server keys spans by id).
        var got = try await Self.received(server)
        let deadline = ContinuousClock.now + .seconds(10)
        while got.spans.count < 4 * item.spanCount, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            got = try await Self.received(server)
        }
        #expect(got.spans.count == 4 * item.spanCount, "\(got.spans.count) spans")
        #expect(got.failures_served == 3)
        #expect(Set(got.spans.map(\.span_id)).count == item.spanCount)
    }

    @Test func ingestionBodiesSplitAtEventBoundaries() throws {
        let lines = Array(#"{"id":"a","x":1}"#.utf8) + [0x0A] + Array(#"{"id":"b","x":2}"#.utf8) + [0x0A] + Array(#"{"id":"c"}"#.utf8) + [0x0A]
        let one = IngestionRequests.split(lines, limit: 1000)
        #expect(one.count == 1 && String(decoding: one[0].bytes, as: UTF8.self) == #"{"batch":[{"id":"a","x":1},{"id":"b","x":2},{"id":"c"}]}"#)
        let cut = IngestionRequests.split(lines, limit: 40)
        #expect(cut.map { $0.events.map(\.id) } == [["a"], ["b", "c"]])
        #expect(String(decoding: one[0].only(["b"]).bytes, as: UTF8.self) == #"{"batch":[{"id":"b","x":2}]}"#)
        #expect(throws: ConfigError.self) { try Self.config(nil, ["mode": "ingestion", "max_request_bytes": "5000000"]) }
        #expect(throws: ConfigError.self) { try Self.config(nil, ["host": "cloud.langfuse.com"]) }
    }
}
