import CollectorCore
import Foundation
import OTLP
@testable import Processors
import Testing

/// Redaction and attributes on log records: bodies (maps member by member, strings JSON-aware) and
/// attributes are scanned as span attributes are; `attributes` acts on each record's attributes.
@Suite(.timeLimit(.minutes(2)))
struct LogProcessorsTests {
    static func logs(_ records: String) throws -> TraceBatch {
        try OTLPJSONDecoder().decode(Array(#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[\#(records)]}]}]}"#.utf8), signal: .logs)
    }

    static func text(_ b: TraceBatch, _ v: AttributeValue?) -> String { v.map { JSONWriter.serialize(b.jsonValue($0)) } ?? "" }

    @Test func redactionScansBodiesAndAttributes() throws {
        var b = try Self.logs(
            """
            {"body":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"mail ann@example.com"}},
             {"key":"authorization","value":{"stringValue":"Bearer abc"}}]}},
             "attributes":[{"key":"user","value":{"stringValue":"bob@example.com"}}]},
            {"body":{"stringValue":"{\\"messages\\":[{\\"content\\":\\"call +1 415 555 0100 or ann@example.com\\"}]}"}},
            {"body":{"stringValue":"nothing to see"},"severityText":"INFO"}
            """)
        let outcome = RedactionProcessor(config: .init()).process(&b)
        let first = Self.text(b, b.logRecords[0].body)
        #expect(first.contains("mail <EMAIL>") && !first.contains("ann@"), "\(first)")
        #expect(first.contains(#""authorization":"<REDACTED>""#), "a secret-bearing key inside the body: \(first)")
        let user = b.attributes[Int(b.logRecords[0].attributes.start)]
        #expect(b.string(user.key) == "user" && Self.text(b, user.value) == #""<EMAIL>""#)
        // A JSON string body keeps its shape; only the leaves change.
        let second = b.string({ if case .string(let r)? = b.logRecords[1].body { return r } else { return .empty } }())
        let parsed = try JSONParser().parse(second)
        #expect(parsed["messages"]?.arrayValue?.first?["content"]?.stringValue?.contains("<EMAIL>") == true, "\(second)")
        #expect(!second.contains("ann@example.com"))
        #expect(Self.text(b, b.logRecords[2].body) == #""nothing to see""#)
        let emails = outcome.metrics.filter { $0.key.metric == .redactions && $0.key.labels["rule"] == "email" }.values.reduce(0, +)
        #expect(emails == 3, "\(outcome.metrics)")
    }

    @Test func attributesActOnEachRecord() throws {
        var b = try Self.logs(
            """
            {"body":{"stringValue":"a"},"attributes":[{"key":"secret","value":{"stringValue":"s"}},{"key":"keep","value":{"stringValue":"k"}}]},
            {"body":{"stringValue":"b"}}
            """)
        typealias Step = AttributesProcessor.Step
        let p = AttributesProcessor(
            config: .init(actions: [
                Step(action: .delete, key: "secret", pattern: nil, value: nil, fromAttribute: nil),
                Step(action: .upsert, key: "team", pattern: nil, value: .string("search"), fromAttribute: nil),
            ]))
        let outcome = p.process(&b)
        #expect(outcome["delete"] == 1 && outcome["upsert"] == 2)
        for r in b.logRecords {
            let keys = b.attributes[r.attributes.range].map { b.string($0.key) }
            #expect(!keys.contains("secret") && keys.contains("team"))
        }
        #expect(b.spans.isEmpty)
    }
}
