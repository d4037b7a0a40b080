import CollectorCore
import Foundation
import GenAIMapping
import OTLP
import Processors
import Testing

/// "Every string the output can contain has been scanned": a secret planted in every field of the
/// OTLP model that can carry one (keys and values of every attribute kind at every level, nested
/// lists and maps, JSON inside values with the secret as a key too, bytes, numbers, names, versions,
/// schema URLs, trace states, event names, status messages, flattened messages split in two) is gone
/// after the default redaction from the batch itself and from every encoding that leaves: Langfuse
/// ingestion events, OTLP/JSON and OTLP/protobuf.
@Suite(.timeLimit(.minutes(5)))
struct PlantedSecretTests {
    /// The secret, and the text that must not appear anywhere afterwards.
    static let secrets: [(secret: String, marker: String)] = [
        ("alice.leak@example.com", "alice.leak"),
        ("4111111111111111", "4111111111111111"),
        ("sk-proj-AbCdEf0123456789GhIjKlMnOp", "AbCdEf0123456789"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ", "eyJhbGciOiJIUzI1NiJ9"),
    ]

    /// `s` escaped for a JSON string (without the quotes).
    static func json(_ s: String) -> String {
        String(JSONWriter.serialize(.string(s)).dropFirst().dropLast())
    }

    /// Attributes with the secret in every place an attribute can hold one.
    static func attributes(_ s: String) -> String {
        let e = json(s)
        let doc = json(#"{"\#(s)": "\#(s)", "note": "x \#(s) y", "n": 4111111111111111.0, "m": 4.111111111111111e15}"#)
        let b64 = Data(s.utf8).base64EncodedString()
        let half = s.count / 2
        let (a, b) = (json(String(s.prefix(half))), json(String(s.dropFirst(half))))
        return """
            [{"key":"k.\(e).x","value":{"stringValue":"v \(e) w"}},
             {"key":"num","value":{"intValue":"4111111111111111"}},
             {"key":"dbl","value":{"doubleValue":4111111111111111.0}},
             {"key":"arr","value":{"arrayValue":{"values":[{"stringValue":"\(e)"},{"intValue":"4111111111111111"},
                {"kvlistValue":{"values":[{"key":"\(e)","value":{"stringValue":"\(e)"}},{"key":"deep","value":{"arrayValue":{"values":[{"stringValue":"\(e)"}]}}}]}}]}}},
             {"key":"map","value":{"kvlistValue":{"values":[{"key":"inner.\(e)","value":{"stringValue":"\(e)"}},{"key":"n","value":{"doubleValue":4111111111111111.0}}]}}},
             {"key":"bin","value":{"bytesValue":"\(b64)"}},
             {"key":"doc","value":{"stringValue":"\(doc)"}},
             {"key":"gen_ai.prompt.0.content","value":{"stringValue":"hello \(a)"}},
             {"key":"gen_ai.prompt.1.content","value":{"stringValue":"\(b) bye"}},
             {"key":"gen_ai.prompt.0.role","value":{"stringValue":"user"}}]
            """
    }

    static func request(_ s: String) -> [UInt8] {
        let e = json(s)
        let attrs = attributes(s)
        return Array(
            """
            {"resourceSpans":[{"resource":{"attributes":\(attrs)},"schemaUrl":"https://schemas.example/\(e)",
              "scopeSpans":[{"scope":{"name":"scope \(e)","version":"v \(e)","attributes":\(attrs)},"schemaUrl":"https://s/\(e)",
                "spans":[{"traceId":"0123456789abcdef0123456789abcdef","spanId":"0123456789abcdef","traceState":"vendor=\(e)",
                  "name":"chat \(e)","kind":3,"startTimeUnixNano":"1764400000000000000","endTimeUnixNano":"1764400001000000000",
                  "attributes":\(attrs),
                  "events":[{"timeUnixNano":"1764400000500000000","name":"event \(e)","attributes":\(attrs)}],
                  "links":[{"traceId":"fedcba9876543210fedcba9876543210","spanId":"fedcba9876543210","traceState":"v=\(e)","attributes":\(attrs)}],
                  "status":{"code":2,"message":"failed for \(e)"}}]}]}]}
            """.utf8)
    }

    /// Every string and bytes value, key, name, version, URL and trace state left in the batch.
    static func strings(in b: TraceBatch) -> [String] {
        var out: [String] = []
        func value(_ v: AttributeValue) {
            switch v {
            case .string(let r): out.append(b.string(r))
            case .bytes(let r): out.append(String(decoding: b.byteArray(r), as: UTF8.self))
            case .int(let i): out.append(String(i))
            case .double(let d): out.append(String(format: "%.0f", d))
            case .array(let s): for x in b.arrayValues[s.range] { value(x) }
            case .kvlist(let s): for m in b.nestedAttributes[s.range] { out.append(b.string(m.key)); value(m.value) }
            default: break
            }
        }
        func attributes(_ s: TableSlice) { for a in b.attributes[s.range] { out.append(b.string(a.key)); value(a.value) } }
        for r in b.resources { out.append(b.string(r.schemaURL)); attributes(r.attributes) }
        for s in b.scopes { out += [b.string(s.name), b.string(s.version), b.string(s.schemaURL)]; attributes(s.attributes) }
        for s in b.spans {
            out += [b.string(s.name), b.string(s.traceState), s.status.map { b.string($0.message) } ?? ""]
            attributes(s.attributes)
        }
        for e in b.events { out.append(b.string(e.name)); attributes(e.attributes) }
        for l in b.links { out.append(b.string(l.traceState)); attributes(l.attributes) }
        return out
    }

    @Test(arguments: secrets.map(\.secret))
    func aSecretPlantedEverywhereLeavesNowhere(_ secret: String) throws {
        let marker = try #require(Self.secrets.first { $0.secret == secret }?.marker)
        var batch = try OTLPJSONDecoder().decode(Self.request(secret))
        // Planted as promised: the marker is in the batch before redaction.
        #expect(Self.strings(in: batch).joined().contains(marker))
        _ = RedactionProcessor(config: .init()).process(&batch)
        let left = Self.strings(in: batch).filter { $0.contains(marker) }
        #expect(left.isEmpty, "\(left)")
        // The flattened message split in two: joined, as a reader sees it, it is gone too.
        let parts = batch.attributes.filter { batch.string($0.key).hasPrefix("gen_ai.prompt.") && batch.string($0.key).hasSuffix(".content") }
        #expect(!parts.map { batch.stringified($0.value) }.joined().contains(marker))
        let records = GenAITranslator().translate(batch)
        let outputs: [(String, [UInt8])] = [
            ("Langfuse ingestion events", IngestionBatchEncoder().encode(records)),
            ("OTLP/JSON", OTLPJSONEncoder().encode(batch)),
            ("OTLP/protobuf", OTLPProtobufEncoder().encode(batch)),
        ]
        for (name, bytes) in outputs {
            #expect(RedactionScoreFind.find(Array(marker.utf8), in: bytes) == nil, "\(name) still holds the secret")
        }
        // And the JSON outputs are still JSON.
        #expect(throws: Never.self) { _ = try JSONParser().parse(outputs[0].1) }
        #expect(throws: Never.self) { _ = try JSONParser().parse(outputs[1].1) }
    }
}

enum RedactionScoreFind {
    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? { RedactionScore.find(needle, in: hay) }
}
