import CollectorCore
@testable import ExporterHelper
@testable import Exporters
import Foundation
import GenAIMapping
import OTLP
import TestSupport
import Testing

/// Rows for Langfuse v4's `events_full`, through a real ClickHouse engine (chDB).
@Suite(.timeLimit(.minutes(5)))
struct ClickHouseEventsTests {
    func events(_ parts: [LangfuseRecords], eventTime: Int64) -> [UInt8] {
        var out: [UInt8] = []
        ClickHouseRowEncoder(projectID: "proj-1", eventTimeMillis: eventTime).events(parts, into: &out)
        return out
    }

    @Test func rowsNameOnlyInsertableColumns() throws {
        let insertable = Set(ClickHouseSchema.eventsFull.columns.filter(\.isInserted).map(\.name))
        for line in events(try ClickHouseRowTests.records(), eventTime: 1).split(separator: 0x0A) {
            guard case .object(let members) = try JSONParser().parse(Array(line)) else { Issue.record("not an object"); continue }
            let unknown = members.map(\.key).filter { !insertable.contains($0) }
            #expect(unknown.isEmpty, "\(unknown)")
        }
    }

    @Test func rowsRoundTripThroughClickHouseAndDeduplicate() async throws {
        let parts = try ClickHouseRowTests.records()
        let observations = parts.flatMap(\.observations)
        let dir = NSTemporaryDirectory() + "genai-chdb-events-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func insert(_ bytes: [UInt8]) -> String { "INSERT INTO events_full FORMAT JSONEachRow\n" + String(decoding: bytes, as: UTF8.self) }
        let results = try await ClickHouseRowTests.chdb(
            dir,
            ClickHouseSchema.ddl(ClickHouseSchema.v4, database: nil, cluster: nil) + [
                insert(events(parts, eventTime: 1_700_000_000_000)),
                insert(events(parts, eventTime: 1_700_000_001_000)),  // a retry: FINAL keeps one row per span
                "SELECT count() FROM events_full",
                "SELECT count() FROM events_full FINAL",
                """
                SELECT span_id, trace_id, parent_span_id, type, provided_model_name, usage_details['total'], toString(total_cost),
                       toUnixTimestamp64Micro(start_time), toUnixTimestamp64Micro(event_ts), environment, service_name, input_length = length(input)
                FROM events_full FINAL ORDER BY span_id
                """,
                "SELECT count() FROM events_full FINAL WHERE user_id = 'user-42' AND session_id = 'sess-7'",
                "SELECT count() FROM events_full FINAL WHERE length(metadata_names) = length(metadata_values) AND length(metadata_names) > 0",
                "SELECT countIf(calculated_total_cost > 0) FROM events_full FINAL",
            ])
        let r = results.suffix(6)
        #expect(r[r.startIndex] == ["\(2 * observations.count)"])
        #expect(r[r.startIndex + 1] == ["\(observations.count)"])
        let read = Dictionary(
            uniqueKeysWithValues: r[r.startIndex + 2].map { line -> (String, [String]) in
                let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                return (f[0], f)
            })
        for o in observations {
            let f = try #require(read[o.id.hex], "span \(o.id.hex) missing")
            #expect(f[1] == o.traceID.hex && f[2] == (o.parentObservationID?.hex ?? "") && f[3] == o.type.rawValue && f[4] == (o.model ?? ""))
            #expect(UInt64(f[5]) == UInt64(o.usageDetails?["total"] ?? 0))
            #expect(abs((Double(f[6]) ?? -1) - (o.costDetails?["total"] ?? 0)) < 1e-9)
            #expect(UInt64(f[7]) == o.startTimeUnixNano / 1000 && f[8] == "1700000001000000", "\(f[7]) \(o.startTimeUnixNano)")
            #expect(f[9] == o.environment && f[11] == "1")
        }
        // Resource attributes fill the instrumentation columns.
        #expect(read.values.contains { !$0[10].isEmpty })
        // The Langfuse SDK capture's trace fields are repeated on each of its spans.
        #expect((Int(r[r.startIndex + 3].first ?? "") ?? 0) > 0)
        #expect((Int(r[r.startIndex + 4].first ?? "") ?? 0) > 0)
        // calculated_total_cost sums the input and output keys (a cost given only as a total has none).
        let priced = observations.filter { o in
            guard let c = o.costDetails else { return false }
            return zip(c.keys, c.values).contains { ($0.0.contains("input") || $0.0.contains("output")) && $0.1 > 0 }
        }
        #expect((Int(r[r.startIndex + 5].first ?? "") ?? 0) == priced.count)
    }

    /// A SPAN that reports usage and cost (an agent span carrying a remote agent's usage, say) keeps
    /// them in its v4 row, as Langfuse's direct write path does, and in its v3 row; only the ingestion
    /// event drops them, because Langfuse's span-create schema strips them.
    @Test func spansKeepUsageAndCostInTheirRows() throws {
        let request = #"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
              "scopeSpans":[{"scope":{"name":"remote-agent"},"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c",
                "spanId":"b7ad6b7169203331","name":"call remote agent","startTimeUnixNano":"1700000000000000000",
                "endTimeUnixNano":"1700000001000000000","attributes":[
                  {"key":"gen_ai.usage.input_tokens","value":{"intValue":"900"}},
                  {"key":"gen_ai.usage.output_tokens","value":{"intValue":"100"}},
                  {"key":"gen_ai.usage.cost","value":{"doubleValue":0.25}}]}]}]}]}
            """#
        let records = GenAITranslator().translate(try OTLPJSONDecoder().decode(Array(request.utf8)))
        let o = try #require(records.observations.first)
        #expect(o.type == .span && o.usageDetails?["total"] == 1000 && o.costDetails?["total"] == 0.25)
        func row(_ bytes: [UInt8]) throws -> JSONValue { try JSONParser().parse(Array(bytes.split(separator: 0x0A)[0])) }
        let v4 = try row(events([records], eventTime: 1))
        #expect(v4["usage_details"]?["input"]?.numberValue == 900 && v4["usage_details"]?["total"]?.numberValue == 1000, "\(v4)")
        #expect(v4["cost_details"]?["total"]?.numberValue == 0.25, "\(v4)")
        var v3bytes: [UInt8] = []
        ClickHouseRowEncoder(projectID: "proj-1", eventTimeMillis: 1).observations(records, into: &v3bytes)
        let v3 = try row(v3bytes)
        #expect(v3["usage_details"]?["total"]?.numberValue == 1000 && v3["cost_details"]?["total"]?.numberValue == 0.25, "\(v3)")
        let event = try JSONParser().parse(
            IngestionBatchEncoder().encodeLines(records).split(separator: 0x0A).map(Array.init).first { line in
                String(decoding: line, as: UTF8.self).contains("span-create")
            } ?? [])
        #expect(event["body"]?["usageDetails"] == nil && event["body"]?["costDetails"] == nil && event["body"]?["name"]?.stringValue == "call remote agent")
    }

    @Test func metadataFlattensByPath() throws {
        let batch = TraceBatch()
        let encoder = ClickHouseRowEncoder(projectID: "p", eventTimeMillis: 0)
        let members = [
            RecordMember("a", .json(.object([JSONMember("b", .int(1)), JSONMember("c", .string("s"))]))),
            RecordMember("list", .json(.array([.int(1), .int(2)]))),
        ]
        func array(names: Bool) throws -> [String]? {
            var w = RecordJSONWriter(batch: batch, capacity: 64)
            encoder.flattened(members, names: names, &w)
            return try JSONParser().parse(w.bytes).arrayValue?.compactMap(\.stringValue)
        }
        #expect(try array(names: true) == ["a.b", "a.c", "list"] && array(names: false) == ["1", "s", "[1,2]"])
    }

    /// The rows write the flattened arrays in place; they must equal the reference above on every
    /// real capture's metadata (attribute texts, nested kvlists, JSON members).
    @Test(arguments: FixtureFiles.captures)
    func inPlaceFlatteningIsTheReference(_ capture: String) throws {
        let batch = try OTLPProtobufDecoder().decode(try FixtureFiles.bytes(capture + ".otlp.pb"))
        let records = GenAITranslator().translate(batch)
        let encoder = ClickHouseRowEncoder(projectID: "p", eventTimeMillis: 0)
        var compared = 0
        for o in records.observations {
            let (names, values) = encoder.flattenedMetadata(o.metadata, batch: batch)
            for (wantNames, expected) in [(true, names), (false, values)] {
                var w = RecordJSONWriter(batch: batch, capacity: 256)
                encoder.flattened(o.metadata, names: wantNames, &w)
                let got = try JSONParser().parse(w.bytes).arrayValue?.compactMap(\.stringValue)
                #expect(got == expected, "\(o.name)")
                compared += expected.count
            }
        }
        #expect(compared > 10)
    }
}

extension ClickHouseRowEncoder {
    /// The reference the rows' in-place `flattened` must equal: built through documents, plainly.
    func flattenedMetadata(_ members: [RecordMember], batch: TraceBatch) -> ([String], [String]) {
        var names: [String] = [], values: [String] = []
        func walk(_ path: String, _ v: JSONValue) {
            switch v {
            case .object(let ms) where !ms.isEmpty:
                for m in ms { walk(path + "." + m.key, m.value) }
            case .string(let s):
                names.append(path)
                values.append(s)
            default:
                names.append(path)
                values.append(JSONWriter.serialize(v))
            }
        }
        for m in members { walk(m.key, batch.json(m.value)) }
        return (names, values)
    }
}
