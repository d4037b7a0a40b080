import CollectorCore
@testable import ExporterHelper
import Exporters
import Foundation
import GenAIMapping
import OTLP
import TestSupport
import Processors
import Testing

/// Rows for Langfuse's v3 tables, written into a real ClickHouse engine (chDB) with the DDL of
/// `ClickHouseSchema`, read back with FINAL and compared with the translator's records.
@Suite(.timeLimit(.minutes(5)))
struct ClickHouseRowTests {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// Runs statements in a chDB database in `dir`; returns each statement's TSV lines.
    static func chdb(_ dir: String, _ statements: [String]) async throws -> [[String]] {
        let r = try await PythonTool.run(
            [here.appendingPathComponent("chdb_run.py").path, dir],
            input: Array(try JSONSerialization.data(withJSONObject: statements)))
        try #require(r.status == 0, "chDB: \(r.stderr)")
        let out = r.text
        var results: [[String]] = [[]]
        for line in out.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "--- end" { results.append([]) } else if !line.isEmpty { results[results.count - 1].append(String(line)) }
        }
        return Array(results.dropLast())
    }

    /// The fixtures' records, priced by the cost processor first (so cost columns are exercised).
    static func records() throws -> [LangfuseRecords] {
        var batches: [TraceBatch] = []
        for name in FixtureFiles.captures { batches.append(try OTLPProtobufDecoder().decode(try FixtureFiles.bytes(name + ".otlp.pb"))) }
        for name in ["agent_tree", "pii_chat", "genai_semconv_current", "genai_evaluations"] {
            batches.append(try OTLPJSONDecoder().decode(try FixtureFiles.bytes("synthetic/\(name).otlp.json")))
        }
        let cost = CostInferenceProcessor(config: .init())
        for i in batches.indices { _ = cost.process(&batches[i]) }
        var stats = GenAITranslator.Stats()
        return GenAITranslator().translate(parts: batches, stats: &stats)
    }

    func rows(_ parts: [LangfuseRecords], eventTime: Int64) -> (observations: [UInt8], traces: [UInt8], scores: [UInt8]) {
        let encoder = ClickHouseRowEncoder(projectID: "proj-1", eventTimeMillis: eventTime)
        var observations: [UInt8] = [], traces: [UInt8] = [], scores: [UInt8] = []
        for p in parts { encoder.observations(p, into: &observations) }
        encoder.traces(parts, into: &traces)
        encoder.scores(parts, into: &scores)
        return (observations, traces, scores)
    }

    /// Child spans that arrive in a later batch than their root must not blank the root's trace row.
    @Test func minimalTraceRecordsWriteNoRow() throws {
        let batch = try OTLPJSONDecoder().decode(try FixtureFiles.bytes("synthetic/agent_tree.otlp.json"))
        var stats = GenAITranslator.Stats()
        var childrenOnly = batch
        _ = childrenOnly.removeSpans { $0.parentSpanID == nil }
        let records = GenAITranslator().translate(parts: [childrenOnly], stats: &stats)
        #expect(records[0].traces.allSatisfy { $0.kind == .minimal } && !records[0].traces.isEmpty)
        var out: [UInt8] = []
        ClickHouseRowEncoder(projectID: "p", eventTimeMillis: 1).traces(records, into: &out)
        #expect(out.isEmpty)
    }

    @Test func rowsNameOnlyRealColumns() throws {
        let (observations, traces, scores) = rows(try Self.records(), eventTime: 1)
        #expect(scores.split(separator: 0x0A).count == 3, "the evaluation fixture's three scores")
        for (bytes, table) in [(observations, ClickHouseSchema.observations), (traces, ClickHouseSchema.traces), (scores, ClickHouseSchema.scores)] {
            let names = Set(table.columns.map(\.name))
            for line in bytes.split(separator: 0x0A) {
                guard case .object(let members) = try JSONParser().parse(Array(line)) else { Issue.record("not an object"); continue }
                let unknown = members.map(\.key).filter { !names.contains($0) }
                #expect(unknown.isEmpty, "\(table.name): \(unknown)")
            }
        }
    }

    @Test func rowsRoundTripThroughClickHouseAndDeduplicate() async throws {
        let parts = try Self.records()
        let observations = parts.flatMap(\.observations)
        let traceIDs = Set(parts.flatMap(\.traces).filter { $0.kind != .minimal }.map(\.id))
        let dir = NSTemporaryDirectory() + "genai-chdb-rows-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = rows(parts, eventTime: 1_700_000_000_000), again = rows(parts, eventTime: 1_700_000_001_000)
        func insert(_ table: String, _ bytes: [UInt8]) -> String { "INSERT INTO \(table) FORMAT JSONEachRow\n" + String(decoding: bytes, as: UTF8.self) }
        let results = try await Self.chdb(
            dir,
            ClickHouseSchema.ddl(ClickHouseSchema.v3, database: nil, cluster: nil) + [
                insert("observations", first.observations), insert("traces", first.traces),
                // The same spans again (a retry after a crash): FINAL must not count them twice.
                insert("observations", again.observations), insert("traces", again.traces),
                insert("scores", first.scores), insert("scores", again.scores),
                "SELECT count() FROM scores",
                "SELECT name, data_type, value, ifNull(string_value, ''), source, ifNull(comment, ''), observation_id, trace_id, environment, metadata['label'] FROM scores FINAL ORDER BY name",
                "SELECT count() FROM observations",
                "SELECT count() FROM observations FINAL",
                "SELECT count() FROM traces FINAL",
                "SELECT id, trace_id, type, ifNull(provided_model_name, ''), usage_details['total'], toString(cost_details['total']), environment, toUnixTimestamp64Milli(start_time), toUnixTimestamp64Milli(event_ts) FROM observations FINAL ORDER BY id",
                "SELECT id, name, ifNull(user_id, ''), ifNull(session_id, ''), arrayStringConcat(tags, ','), length(ifNull(input, '')) > 0 FROM traces FINAL ORDER BY id",
            ])
        // Scores: written twice, read once per id; each as the event said.
        let scoreRows = results.dropLast(5).suffix(2)
        #expect(scoreRows[scoreRows.startIndex] == ["6"])
        #expect(
            scoreRows[scoreRows.startIndex + 1] == [
                "grounded\tBOOLEAN\t1\tTrue\tAPI\t\t1a2b3c4d5e6f7a8b\t7c3b3c1c9a7f4e0d8a1b2c3d4e5f6a7b\tproduction\t",
                "relevance\tNUMERIC\t0.92\t\tAPI\tThe answer addresses the shipping question.\t1a2b3c4d5e6f7a8b\t7c3b3c1c9a7f4e0d8a1b2c3d4e5f6a7b\tproduction\trelevant",
                "tone\tCATEGORICAL\t0\tneutral\tAPI\t\t1a2b3c4d5e6f7a8b\t7c3b3c1c9a7f4e0d8a1b2c3d4e5f6a7b\tproduction\t",
            ])
        let counts = results.suffix(5)
        #expect(counts[counts.startIndex] == ["\(2 * observations.count)"])
        #expect(counts[counts.startIndex + 1] == ["\(observations.count)"])
        #expect(counts[counts.startIndex + 2] == ["\(traceIDs.count)"])
        let read = Dictionary(
            uniqueKeysWithValues: counts[counts.startIndex + 3].map { line -> (String, [String]) in
                let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                return (f[0], f)
            })
        for o in observations {
            let f = try #require(read[o.id.hex], "observation \(o.id.hex) missing")
            #expect(f[1] == o.traceID.hex && f[2] == o.type.rawValue && f[3] == (o.model ?? "") && f[6] == o.environment)
            #expect(UInt64(f[4]) == UInt64(o.usageDetails?["total"] ?? 0))
            #expect(abs((Double(f[5]) ?? -1) - (o.costDetails?["total"] ?? 0)) < 1e-9, "\(o.name): \(f[5]) vs \(o.costDetails?["total"] ?? 0)")
            #expect(Int64(f[7]) == Int64(o.startTimeUnixNano / 1_000_000) && f[8] == "1700000001000", "\(f[7]) \(o.startTimeUnixNano) \(f[8])")
        }
        // Priced generations carry Langfuse's model and tier ids.
        #expect(observations.contains { $0.pricedModelID != nil && $0.pricingTierID != nil })
        let traces = counts[counts.startIndex + 4]
        #expect(traces.count == traceIDs.count)
        // The Langfuse SDK capture: user, session and tags survive the merge of its spans' records.
        #expect(traces.contains { $0.contains("user-42\tsess-7") })
    }
}
