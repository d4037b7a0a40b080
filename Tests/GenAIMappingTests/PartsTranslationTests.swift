import CollectorCore
import GenAIMapping
import OTLP
import TestSupport
import Testing

/// The batch stage hands its requests on unmerged: translating them as parts must give the records
/// that translating the merged batch gives, including which minimal trace records survive.
@Suite(.timeLimit(.minutes(5)))
struct PartsTranslationTests {
    /// One part per span (every other span removed), so spans of one trace land in different parts.
    func split(_ batch: TraceBatch) -> [TraceBatch] {
        batch.spans.indices.map { keep in
            var part = batch
            let span = batch.spans[keep]
            _ = part.removeSpans { $0.spanID != span.spanID || $0.traceID != span.traceID }
            return part
        }
    }

    func events(_ parts: [LangfuseRecords]) -> [String] {
        parts.flatMap { IngestionBatchEncoder().events($0) }.map { JSONWriter.serialize($0) }.sorted()
    }

    func check(_ batch: TraceBatch) {
        let parts = split(batch)
        #expect(parts.count == batch.spans.count && parts.allSatisfy { $0.spans.count == 1 })
        var mergedStats = GenAITranslator.Stats(), partStats = GenAITranslator.Stats()
        let merged = GenAITranslator().translate(TraceBatch.concatenating(parts), stats: &mergedStats)
        let translated = GenAITranslator().translate(parts: parts, stats: &partStats)
        #expect(translated.count == parts.count)
        #expect(events(translated) == events([merged]))
        #expect(partStats == mergedStats)
    }

    @Test(arguments: FixtureFiles.captures)
    func capturedRequests(_ name: String) throws {
        check(try OTLPProtobufDecoder().decode(try FixtureFiles.bytes(name + ".otlp.pb")))
    }

    @Test(arguments: GoldenTests.synthetic)
    func syntheticRequests(_ name: String) throws {
        check(try OTLPJSONDecoder().decode(try FixtureFiles.bytes("synthetic/\(name).otlp.json")))
    }

    /// A child span arriving before its root: the child's minimal trace record is dropped because a
    /// later part holds the trace's full record.
    @Test func aMinimalRecordGivesWayToAFullOneInALaterPart() throws {
        let batch = try OTLPJSONDecoder().decode(try FixtureFiles.bytes("synthetic/agent_tree.otlp.json"))
        let all = split(batch)
        let parts = all.filter { $0.spans[0].parentSpanID != nil } + all.filter { $0.spans[0].parentSpanID == nil }  // children first
        var stats = GenAITranslator.Stats()
        let records = GenAITranslator().translate(parts: parts, stats: &stats)
        let traces = records.flatMap(\.traces)
        #expect(!traces.contains { $0.kind == .minimal })
        #expect(stats.minimalTracesSkipped > 0)
    }
}
