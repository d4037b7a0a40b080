import CollectorCore
import ExporterHelper
import Foundation
import GenAIMapping
import OTLP
import Processors

/// `--keys`: how the work per key grows with the number of keys on one span, for each shape a client
/// controls (distinct attribute keys, a metadata JSON object, dotted metadata keys, flattened message
/// keys). Each request goes through what a span meets without the receivers' per-span budget: decode,
/// redaction, translation and the ingestion JSON encoding. Linear work shows as a flat cost per key.
enum KeyScalingBench {
    static let sizes = [1000, 10_000, 100_000]

    static func span(_ attributes: [String]) -> String {
        """
        {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0123456789abcdef0123456789abcdef","spanId":"0123456789abcdef",
        "name":"chat","startTimeUnixNano":"1764400000000000000","endTimeUnixNano":"1764400001000000000",
        "attributes":[\(attributes.joined(separator: ","))]}]}]}]}
        """
    }

    static func attribute(_ key: String, _ value: String) -> String {
        #"{"key":"\#(key)","value":{"stringValue":"\#(value)"}}"#
    }

    static let shapes: [(name: String, request: @Sendable (Int) -> String)] = [
        ("distinct attribute keys", { n in span((0..<n).map { attribute("app.key_\($0)", "v") }) }),
        (
            "metadata JSON object keys",
            { n in
                let object = (0..<n).map { #"\"k\#($0)\":1"# }.joined(separator: ",")
                return span([attribute("langfuse.observation.metadata", "{\(object)}")])
            }
        ),
        ("dotted metadata keys", { n in span((0..<n).map { attribute("langfuse.trace.metadata.k\($0)", "v") }) }),
        ("flattened message keys", { n in span((0..<n).map { attribute("llm.input_messages.\($0).message.content", "m") }) }),
        ("model parameter keys", { n in span((0..<n).map { attribute("gen_ai.request.p\($0)", "1") }) }),
    ]

    static func run(seconds: Double) throws {
        let redaction = RedactionProcessor(config: .init())
        print("keys on one span: decode + redaction + translate + ingestion JSON, best of repeated rounds")
        for (name, make) in shapes {
            var perKey: [Double] = []
            var line = name.padding(toLength: 28, withPad: " ", startingAt: 0)
            for n in sizes {
                let body = OTLPProtobufEncoder().encode(try OTLPJSONDecoder().decode(Array(make(n).utf8)))
                var outBytes = 0
                let t = try measure(name, seconds: seconds) {
                    var batch = try OTLPProtobufDecoder().decode(body)
                    _ = redaction.process(&batch)
                    outBytes = IngestionBatchEncoder().encode(GenAITranslator().translate(batch)).count
                    return outBytes
                }
                perKey.append(t / Double(n) * 1e9)
                line += String(
                    format: "  %7d keys %9.2f ms (%6.0f ns/key, out/in %.1f)", n, t * 1000, t / Double(n) * 1e9,
                    Double(outBytes) / Double(body.count))
            }
            print(line)
            print("  ns/key at 100k over 1k: \(String(format: "%.2f", perKey[2] / perKey[0]))  (linear: about 1; quadratic: about 100)")
        }
        // Output over input for the sparse flattened index, the shape that once wrote a list of
        // 10,001 nulls per span.
        let sparse = (0..<10_000).map { i in
            #"{"traceId":"0123456789abcdef0123456789abcdef","spanId":"\#(String(format: "%016x", i + 1))","name":"s","#
                + #""attributes":[{"key":"llm.input_messages.10000.message.content","value":{"stringValue":"x"}}]}"#
        }
        let body = Array(#"{"resourceSpans":[{"scopeSpans":[{"spans":[\#(sparse.joined(separator: ","))]}]}]}"#.utf8)
        let pb = OTLPProtobufEncoder().encode(try OTLPJSONDecoder().decode(body))
        let out = IngestionBatchEncoder().encode(GenAITranslator().translate(try OTLPProtobufDecoder().decode(pb))).count
        print(
            "sparse flattened index, 10k spans: \(pb.count) bytes in, \(out) bytes of ingestion JSON out (out/in \(String(format: "%.1f", Double(out) / Double(pb.count))))"
        )
        // The worst case per allowed body byte: empty spans (two bytes each) up to the decoded-size
        // budget of a 1 MiB body; what leaves is then bounded by the budget, not by the body.
        let limit = 1 << 20
        let budget = limit * OTLPRequestDecoder.decodedBytesPerBodyByte
        let spans = budget / TraceBatch.EntrySize.span - 64
        var empty = [UInt8]()
        for i in 0..<spans {
            var span: [UInt8] = [0x0A, 0x10] + [UInt8](repeating: 1, count: 16) + [0x12, 0x08]
            withUnsafeBytes(of: UInt64(i + 1).bigEndian) { span += $0 }
            empty += [0x12, UInt8(span.count)] + span
        }
        func varint(_ v: Int) -> [UInt8] {
            var v = v, out: [UInt8] = []
            while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            return out + [UInt8(v)]
        }
        let rs = [0x12] + varint(empty.count) + empty
        let request = [0x0A] + varint(rs.count) + rs
        let decoded = try OTLPProtobufDecoder(maxDecodedBytes: budget).decode(request)
        let events = IngestionBatchEncoder().encode(GenAITranslator().translate(decoded)).count
        print(
            "empty spans at the decoded budget of a 1 MiB body: \(decoded.spans.count) spans, \(request.count) bytes in, "
                + "\(events) bytes of ingestion JSON out: \(String(format: "%.1f", Double(events) / Double(limit))) times max_request_body_size")
    }
}
