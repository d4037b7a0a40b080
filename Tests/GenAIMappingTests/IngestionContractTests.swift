import CollectorCore
import Foundation
import GenAIMapping
import OTLP
import TestSupport
import Testing

/// Every event we emit uses only event types and body fields that Langfuse's public ingestion
/// schema defines (extracted from openapi.yml by scripts/ingestion-fields.py), with well-formed
/// ids, times and enum values.
@Suite(.timeLimit(.minutes(5)))
struct IngestionContractTests {
    struct Schema {
        var envelope: Set<String>
        var events: [String: Set<String>]
        var levels: Set<String>
    }

    static func schema() throws -> Schema {
        let doc = try JSONParser().parse(try FixtureFiles.bytes("langfuse-ingestion-fields.json"))
        func names(_ v: JSONValue?) -> Set<String> { Set(v?.arrayValue?.compactMap(\.stringValue) ?? []) }
        var events: [String: Set<String>] = [:]
        for m in doc["events"]?.objectValue ?? [] { events[m.key] = names(m.value) }
        return Schema(envelope: names(doc["envelope"]), events: events, levels: names(doc["levels"]))
    }

    static let inputs: [String] =
        FixtureFiles.captures.map { $0 + ".otlp.json" }
        + GoldenTests.synthetic.map { "synthetic/\($0).otlp.json" }

    @Test(arguments: inputs)
    func eventsMatchThePublicSchema(_ input: String) throws {
        let schema = try Self.schema()
        #expect(schema.events["generation-create"]?.contains("usageDetails") == true)  // the extract is sane
        let records = GenAITranslator().translate(try OTLPJSONDecoder().decode(try FixtureFiles.bytes(input)))
        let events = IngestionBatchEncoder().events(records)
        #expect(events.count == records.traces.count + records.observations.count + records.scores.count)
        var ids = Set<String>()
        for event in events {
            let keys = Set(event.objectValue?.map(\.key) ?? [])
            #expect(keys.isSubset(of: schema.envelope), "envelope keys \(keys)")
            let type = try #require(event["type"]?.stringValue)
            let allowed = try #require(schema.events[type], "unknown event type \(type)")
            let body = try #require(event["body"]?.objectValue)
            let extra = Set(body.map(\.key)).subtracting(allowed)
            #expect(extra.isEmpty, "\(type) has fields outside the schema: \(extra.sorted())")
            let id = try #require(event["id"]?.stringValue)
            #expect(id.count == 36 && id.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
            #expect(ids.insert(id).inserted, "event id \(id) repeats")
            for field in ["timestamp"] { #expect(Self.isISO(event[field]?.stringValue)) }
            for field in ["startTime", "endTime", "timestamp"] where body.value(for: field) != nil {
                #expect(Self.isISO(body.value(for: field)?.stringValue), "\(type).\(field)")
            }
            if let level = body.value(for: "level") { #expect(schema.levels.contains(level.stringValue ?? "")) }
            if let usage = body.value(for: "usageDetails")?.objectValue {
                #expect(usage.allSatisfy { if case .int(let n) = $0.value { return n >= 0 } else { return false } })
                #expect(usage.value(for: "total") != nil)
            }
            if let version = body.value(for: "promptVersion") { #expect(version.numberValue != nil) }
        }
    }

    static func isISO(_ text: String?) -> Bool {
        guard let text else { return false }
        return text.count == 24 && text.hasSuffix("Z") && Timestamp.isISO8601Date(text)
    }
}
