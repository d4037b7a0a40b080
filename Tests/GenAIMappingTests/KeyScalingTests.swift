import CollectorCore
import GenAIMapping
@testable import GenAISemantics
import OTLP
import TestSupport
import Testing
import Foundation

/// A client controls how many keys a span carries. Every per-key step is O(1) or O(log n), so 100k
/// keys translate in about a second in a debug build; a quadratic step would take minutes, which the
/// time limit turns into a failure. Metadata objects keep at most `maxMetadataKeys` keys, counted.
@Suite(.timeLimit(.minutes(5)))
struct KeyScalingTests {
    /// Off the cooperative pool: a second of CPU each (debug), which would starve tests waiting on timers.
    static func translate(_ attributes: [String]) async throws -> (LangfuseRecords, GenAITranslator.Stats) {
        try await offPool { try translateNow(attributes) }
    }

    static func translateNow(_ attributes: [String]) throws -> (LangfuseRecords, GenAITranslator.Stats) {
        let body = """
            {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0123456789abcdef0123456789abcdef","spanId":"0123456789abcdef",
            "name":"chat","startTimeUnixNano":"1764400000000000000","attributes":[\(attributes.joined(separator: ","))]}]}]}]}
            """
        var stats = GenAITranslator.Stats()
        let records = GenAITranslator().translate(parts: [try OTLPJSONDecoder().decode(Array(body.utf8))], stats: &stats)
        _ = IngestionBatchEncoder().encode(records[0])
        return (records[0], stats)
    }

    static func attribute(_ key: String, _ value: String) -> String { #"{"key":"\#(key)","value":{"stringValue":"\#(value)"}}"# }

    @Test(.timeLimit(.minutes(1)))
    func aMetadataObjectWithManyKeysIsCappedAndCounted() async throws {
        let object = (0..<100_000).map { #"\"k\#($0)\":1"# }.joined(separator: ",")
        let (r, stats) = try await Self.translate([
            Self.attribute("langfuse.observation.metadata", "{\(object)}"),
            Self.attribute("langfuse.trace.metadata", "{\(object)}"),
        ])
        let user = r.observations[0].metadata.filter { !["attributes", "resourceAttributes", "scope"].contains($0.key) }
        #expect(user.count == MappingTables.maxMetadataKeys)
        #expect(user.first?.key == "k0" && user.last?.key == "k1023")
        // Both the observation's and the trace's objects were cut, each counted once.
        #expect(stats.notes[.metadataKeysDropped] == 2 * (100_000 - 1024))
    }

    @Test(.timeLimit(.minutes(1)))
    func manyDistinctAttributeKeysTranslateAndEncode() async throws {
        let (r, _) = try await Self.translate((0..<100_000).map { Self.attribute("app.key_\($0)", "v") })
        let batch = r.batch
        let attributes = try #require(r.observations[0].metadata.first { $0.key == "attributes" })
        guard case .attributeTexts(let selection) = attributes.value else { Issue.record("not attribute texts"); return }
        #expect(selection.entries(in: batch).count == 100_000)
    }

    @Test(.timeLimit(.minutes(1)))
    func manyDottedMetadataAndParameterKeys() async throws {
        let (r, stats) = try await Self.translate(
            (0..<50_000).map { Self.attribute("langfuse.observation.metadata.k\($0)", "v") }
                + (0..<50_000).map { Self.attribute("gen_ai.request.p\($0)", "1") })
        #expect(r.observations[0].modelParameters?.count == 50_000)
        #expect(stats.notes[.metadataKeysDropped] == 50_000 - 1024)
    }

    /// A repeated key keeps its first position and its last value, with and without the hash index.
    @Test(arguments: [4, 40])
    func repeatedKeysKeepFirstPositionAndLastValue(_ n: Int) async throws {
        var attributes = (0..<n).map { Self.attribute("k\($0)", "first") }
        attributes += [Self.attribute("k1", "last"), Self.attribute("extra", "x")]
        let (r, _) = try await Self.translate(attributes)
        let json = r.batch.json(try #require(r.observations[0].metadata.first { $0.key == "attributes" }).value)
        guard case .object(let members) = json else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == (0..<n).map { "k\($0)" } + ["extra"])
        #expect(members[1].value == .string("last") && members[0].value == .string("first"))
    }
}

/// Resource and scope attributes are repeated in every record's metadata; a request pairing a huge
/// resource with many tiny spans would grow the output with the product. Past the repeat budget the
/// copy is replaced by a note of its size, and counted; ordinary requests keep them.
@Suite(.timeLimit(.minutes(5)))
struct RepeatBudgetTests {
    static func request(resourceBytes: Int, spans: Int) -> [UInt8] {
        let big = String(repeating: "r", count: resourceBytes)
        let list = (0..<spans).map { i in
            #"{"traceId":"0123456789abcdef0123456789abcdef","spanId":"\#(String(format: "%016x", i + 1))","name":"s"}"#
        }.joined(separator: ",")
        return Array(
            #"{"resourceSpans":[{"resource":{"attributes":[{"key":"big","value":{"stringValue":"\#(big)"}}]},"scopeSpans":[{"scope":{"name":"sc"},"spans":[\#(list)]}]}]}"#
                .utf8)
    }

    @Test func aHugeResourceOnManySpansIsNotRepeated() async throws {
        let (records, stats) = try await offPool { () -> (LangfuseRecords, GenAITranslator.Stats) in
            let batch = try OTLPProtobufDecoder().decode(
                OTLPProtobufEncoder().encode(try OTLPJSONDecoder().decode(Self.request(resourceBytes: 1 << 20, spans: 2000))))
            var stats = GenAITranslator.Stats()
            return (GenAITranslator().translate(parts: [batch], stats: &stats)[0], stats)
        }
        let resource = records.batch.json(try #require(records.observations[0].metadata.first { $0.key == "resourceAttributes" }).value)
        #expect(resource["genai_collector.omitted"]?.stringValue?.contains("bytes") == true && resource["big"] == nil)
        #expect(stats.notes[.repeatedAttributesOmitted] == 1)
        let out = IngestionBatchEncoder().encode(records)
        #expect(out.count < 8 << 20, "\(out.count) bytes from a 1 MiB resource on 2000 spans")
    }

    @Test func anOrdinaryResourceIsKept() throws {
        let batch = try OTLPJSONDecoder().decode(Self.request(resourceBytes: 4000, spans: 20))
        var stats = GenAITranslator.Stats()
        let records = GenAITranslator().translate(parts: [batch], stats: &stats)[0]
        let resource = records.batch.json(try #require(records.observations[0].metadata.first { $0.key == "resourceAttributes" }).value)
        #expect(resource["big"]?.stringValue?.count == 4000)
        #expect(stats.notes[.repeatedAttributesOmitted] == 0)
    }
}
