import CollectorCore
@testable import ExporterHelper
@testable import Exporters
import Foundation
import GenAIMapping
import OTLP
import TestSupport
import Processors
import Testing

/// Every attribute the collector reads, set to numeric edges (NaN, ±Inf, ±1e300, the Int64 edges ±1,
/// and their string spellings), and span times at the UInt64 edges, through everything a span meets:
/// cost inference, redaction, translation and every exporter's encoder. A conversion that traps kills
/// this test process, so the suite fails loudly; the outputs must also stay valid JSON.
@Suite(.timeLimit(.minutes(5)))
struct NumericEdgeTests {
    /// AnyValue JSON for each edge, in every type a client could send it as.
    static let edgeValues: [String] = {
        var v: [String] = []
        for i in ["-9223372036854775808", "-9223372036854775807", "9223372036854775807", "9223372036854775806", "0", "-1", "1"] {
            v.append(#"{"intValue":"\#(i)"}"#)
        }
        for d in [
            "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "1e300", "-1e300", "9.223372036854775807e18", "-9.25e18",
            "9.25e18", "2e10", "5e-324", "1e400", "-0.0", "1.5",
        ] {
            v.append(#"{"doubleValue":\#(d)}"#)
        }
        for s in [
            "NaN", "Infinity", "-Infinity", "inf", "-inf", "1e300", "-1e300", "9223372036854775807", "9223372036854775808",
            "-9223372036854775809", "18446744073709551615", "18446744073709551616", "2e10", "-5", "1e-400", "0x10", " 12 ", "",
            "99999999999999999999999999999999",
        ] {
            v.append(#"{"stringValue":"\#(s)"}"#)
        }
        // The same edges inside JSON documents, for the keys read as JSON blobs.
        for n in ["1e300", "-1e300", "1e400", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "\\\"inf\\\"", "\\\"1e300\\\""] {
            v.append(#"{"stringValue":"{\"input\":\#(n),\"output\":\#(n),\"total\":\#(n),\"version\":\#(n)}"}"#)
        }
        return v
    }()

    static let times: [(UInt64, UInt64)] = [
        (0, 0), (1, UInt64.max), (UInt64.max, 0), (UInt64(Int64.max), UInt64(Int64.max) + 1), (UInt64.max - 1, UInt64.max),
        (1_764_400_000_000_000_000, 1_764_400_001_000_000_000),
    ]

    /// Keys beyond the known ones: family members, including flattened indexes at the edges.
    static let familyKeys: [String] = {
        var keys: [String] = []
        for p in AttributeKeyPrefix.allCases {
            for suffix in [
                "input_tokens", "total", "cost", "0.content", "9223372036854775807.content",
                "99999999999999999999.message.content", "10000.message.content",
            ] {
                keys.append(p.rawValue + suffix)
            }
        }
        return keys
    }()

    static func request(key: String) -> [UInt8] {
        var spans: [String] = []
        for (n, value) in edgeValues.enumerated() {
            let (start, end) = times[n % times.count]
            let spanID = String(format: "%016x", n + 1)
            spans.append(
                """
                {"traceId":"0123456789abcdef0123456789abcdef","spanId":"\(spanID)","name":"edge",
                 "startTimeUnixNano":"\(start)","endTimeUnixNano":"\(end)",
                 "attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
                               {"key":"gen_ai.usage.input_tokens","value":{"intValue":"10"}},
                               {"key":"\(key)","value":\(value)}],
                 "events":[{"timeUnixNano":"\(end)","name":"gen_ai.content.completion.chunk","attributes":[{"key":"\(key)","value":\(value)}]}]}
                """)
        }
        let body = """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"edge"}},
              {"key":"\(key)","value":{"doubleValue":"Infinity"}}]},
              "scopeSpans":[{"scope":{"name":"ai","version":"1"},"spans":[\(spans.joined(separator: ","))]}]}]}
            """
        return Array(body.utf8)
    }

    static func s3Config(_ format: String) throws -> S3Exporter.Config {
        let values = ["endpoint": "http://127.0.0.1:9", "bucket": "bucket", "access_key_id": "a", "secret_access_key": "s", "format": format]
        var map = try ConfigMap(
            .mapping(values.sorted { $0.key < $1.key }.map { ConfigEntry($0.key, .scalar($0.value, quoted: true)) }),
            path: "exporters.s3")
        let c = try S3Exporter.Config(&map)
        try map.finish()
        return c
    }

    @Test func everyKnownKeyAndFamilyAtNumericEdges() async throws {
        let keys = AttributeKey.allCases.map(\.rawValue) + Self.familyKeys
        let s3 = try ["langfuse", "otlp_json", "otlp_proto"].map { S3ObjectEncoder(config: try Self.s3Config($0)) }
        // Seconds of CPU: on a thread of its own, so tests waiting on timers are not starved meanwhile.
        let (spans, problems) = try await offPool { try Self.run(keys: keys, s3: s3) }
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(spans == keys.count * Self.edgeValues.count)
    }

    /// Each key's request through everything; what came out wrong, by key.
    static func run(keys: [String], s3: [S3ObjectEncoder]) throws -> (Int, [String]) {
        let cost = CostInferenceProcessor(config: .init(providedCost: .recompute))
        let redaction = RedactionProcessor(config: .init())
        var spans = 0
        var problems: [String] = []
        func checkLines(_ bytes: [UInt8], _ what: String, _ key: String) {
            for line in bytes.split(separator: 0x0A) where (try? JSONParser().parse(Array(line))) == nil {
                problems.append("\(what) for \(key): not JSON")
            }
        }
        for key in keys {
            var batch = try OTLPJSONDecoder().decode(Self.request(key: key))
            _ = cost.process(&batch)
            _ = redaction.process(&batch)
            var stats = GenAITranslator.Stats()
            let records = GenAITranslator().translate(parts: [batch], stats: &stats)
            spans += stats.spans
            checkLines(IngestionBatchEncoder().encodeLines(records[0]), "ingestion events", key)
            var v3: [UInt8] = [], traces: [UInt8] = [], v4: [UInt8] = []
            let rows = ClickHouseRowEncoder(projectID: "p", eventTimeMillis: Int64.max)
            rows.observations(records[0], into: &v3)
            rows.traces(records, into: &traces)
            rows.events(records, into: &v4)
            checkLines(v3 + traces + v4, "ClickHouse rows", key)
            checkLines(OTLPJSONEncoder().encode(batch), "OTLP JSON", key)
            if try OTLPProtobufDecoder().decode(OTLPProtobufEncoder().encode(batch)).spans.count != batch.spans.count {
                problems.append("OTLP protobuf round trip for \(key)")
            }
            for encoder in s3 { _ = encoder.chunks(ExportItem(parts: [batch], records: records), nowNanos: UInt64.max) }
        }
        return (spans, problems)
    }

    /// The reproducers: each delay that is not a usable number yields no completion start, and a note.
    @Test(arguments: [
        ("gen_ai.response.time_to_first_chunk", #"{"stringValue":"inf"}"#),
        ("gen_ai.response.time_to_first_chunk", #"{"doubleValue":1e300}"#),
        ("gen_ai.response.time_to_first_chunk", #"{"doubleValue":2e10}"#),
        ("ai.response.msToFirstChunk", #"{"doubleValue":1e300}"#),
        ("ai.response.msToFirstChunk", #"{"doubleValue":"Infinity"}"#),
        ("ai.stream.msToFirstChunk", #"{"stringValue":"1e300"}"#),
    ])
    func unusableFirstChunkDelaysAreNoted(_ key: String, _ value: String) throws {
        let body = """
            {"resourceSpans":[{"scopeSpans":[{"scope":{"name":"ai"},"spans":[{"traceId":"0123456789abcdef0123456789abcdef",
              "spanId":"0123456789abcdef","name":"ai.streamText.doStream","startTimeUnixNano":"1764400000000000000",
              "endTimeUnixNano":"1764400001000000000","attributes":[{"key":"\(key)","value":\(value)}]}]}]}]}
            """
        var stats = GenAITranslator.Stats()
        let records = GenAITranslator().translate(parts: [try OTLPJSONDecoder().decode(Array(body.utf8))], stats: &stats)
        #expect(records[0].observations[0].completionStartTime == nil)
        #expect(stats.notes[.completionStartInvalid] == 1)
    }

    @Test func usableFirstChunkDelaysStillCount() throws {
        let body = """
            {"resourceSpans":[{"scopeSpans":[{"scope":{"name":"ai"},"spans":[{"traceId":"0123456789abcdef0123456789abcdef",
              "spanId":"0123456789abcdef","name":"ai.streamText.doStream","startTimeUnixNano":"1764400000000500000",
              "endTimeUnixNano":"1764400001000000000","attributes":[{"key":"ai.response.msToFirstChunk","value":{"doubleValue":249.2}}]}]}]}]}
            """
        var stats = GenAITranslator.Stats()
        let records = GenAITranslator().translate(parts: [try OTLPJSONDecoder().decode(Array(body.utf8))], stats: &stats)
        #expect(records[0].observations[0].completionStartTime == "2025-11-29T07:06:40.250Z")
        #expect(stats.notes[.completionStartInvalid] == 0)
    }

    /// A completion start far in the future cannot overflow the v4 microsecond column; it is written
    /// as the last instant ClickHouse's DateTime64 holds.
    @Test func farFutureCompletionStartIsClamped() throws {
        let body = """
            {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0123456789abcdef0123456789abcdef",
              "spanId":"0123456789abcdef","name":"g","startTimeUnixNano":"1764400000000000000",
              "endTimeUnixNano":"18446744073709551615","attributes":[
              {"key":"langfuse.observation.completion_start_time","value":{"stringValue":"9999-12-31T23:59:59.999Z"}}]}]}]}]}
            """
        var stats = GenAITranslator.Stats()
        let records = GenAITranslator().translate(parts: [try OTLPJSONDecoder().decode(Array(body.utf8))], stats: &stats)
        var v4: [UInt8] = [], v3: [UInt8] = []
        ClickHouseRowEncoder(projectID: "p", eventTimeMillis: 1).events(records, into: &v4)
        ClickHouseRowEncoder(projectID: "p", eventTimeMillis: 1).observations(records[0], into: &v3)
        let row4 = try JSONParser().parse(Array(v4.split(separator: 0x0A)[0]))
        let row3 = try JSONParser().parse(Array(v3.split(separator: 0x0A)[0]))
        #expect(row4["completion_start_time"] == .double(10_413_791_999.999))
        #expect(row4["end_time"] == .double(10_413_791_999.999999))
        #expect(row3["completion_start_time"] == .double(10_413_791_999.999))
    }
}
