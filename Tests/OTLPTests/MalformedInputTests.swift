import CollectorCore
import Foundation
import OTLP
import TestSupport
import Testing

/// Every kind of broken input gets a typed error that names the problem.
@Suite(.timeLimit(.minutes(5)))
struct MalformedProtobufTests {
    func error(_ bytes: [UInt8]) -> OTLPDecodingError? {
        do {
            _ = try OTLPProtobufDecoder().decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func truncatedMessage() throws {
        let full = try FixtureFiles.bytes("openinference_openai_3chats.otlp.pb")
        let e = error(Array(full.prefix(full.count - 7)))
        if case .lengthOutOfBounds? = e?.kind {} else { Issue.record("got \(String(describing: e))") }
        #expect(e?.description.contains("ExportTraceServiceRequest.resource_spans") == true)
    }

    @Test func wrongWireType() {
        // resource_spans (field 1) sent as a varint.
        let e = error([0x08, 0x01])
        #expect(e?.kind == .invalidWireType(0))
        #expect(e?.field == "ExportTraceServiceRequest.resource_spans")
    }

    @Test func invalidUTF8InASpanName() {
        // ResourceSpans{ ScopeSpans{ Span{ name: 0xC3 0x28 } } }
        let span: [UInt8] = [0x2A, 0x02, 0xC3, 0x28]
        let e = error(wrap(span))
        #expect(e?.kind == .invalidUTF8)
        #expect(e?.field == "Span.name")
    }

    @Test func absurdLength() {
        let e = error([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        #expect(e?.kind == .lengthOutOfBounds(4_294_967_295))
    }

    @Test func malformedVarint() {
        let e = error([0x0A] + [UInt8](repeating: 0xFF, count: 11))
        #expect(e?.kind == .malformedVarint)
    }

    @Test func wrongIDLength() {
        let span: [UInt8] = [0x0A, 0x03, 1, 2, 3]
        let e = error(wrap(span))
        #expect(e?.kind == .invalidID(length: 3))
        #expect(e?.field == "Span.trace_id")
    }

    @Test func deepNestingIsBounded() {
        // An attribute value nested 40 arrays deep: AnyValue{array_value{values: AnyValue{...}}}.
        var value: [UInt8] = [0x10, 0x01]  // bool_value = true
        for _ in 0..<40 {
            let values = [0x0A] + varint(value.count) + value  // ArrayValue.values
            value = [0x2A] + varint(values.count) + values  // AnyValue.array_value
        }
        let kv: [UInt8] = [0x0A, 0x01, 0x6B, 0x12] + varint(value.count) + value
        let span: [UInt8] = [0x4A] + varint(kv.count) + kv
        #expect(error(wrap(span))?.kind == .tooDeep)
    }

    @Test func fieldNumberZero() {
        #expect(error([0x02, 0x00])?.kind == .invalidFieldNumber)
    }

    @Test func unknownFieldsAreSkipped() throws {
        // Field 99 (varint) and an unknown group at the top level, then nothing else.
        let batch = try OTLPProtobufDecoder().decode([0x98, 0x06, 0x05, 0x9B, 0x06, 0x08, 0x01, 0x9C, 0x06])
        #expect(batch.spans.isEmpty)
    }

    func varint(_ n: Int) -> [UInt8] {
        var v = n
        var out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
        return out
    }

    func wrap(_ span: [UInt8]) -> [UInt8] {
        let scopeSpans = [0x12] + varint(span.count) + span
        let resourceSpans = [0x12] + varint(scopeSpans.count) + scopeSpans
        return [0x0A] + varint(resourceSpans.count) + resourceSpans
    }
}

@Suite(.timeLimit(.minutes(5)))
struct OTLPJSONVariantTests {
    func decode(_ text: String) throws(OTLPDecodingError) -> TraceBatch {
        try OTLPJSONDecoder().decode(Array(text.utf8))
    }

    @Test func snakeCaseKeysAndEnumNamesAreAccepted() throws {
        let b = try decode(
            #"""
            {"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"0AF7651916CD43DD8448EB211C80319C","span_id":"b7ad6b7169203331",
              "name":"x","kind":"SPAN_KIND_CLIENT","start_time_unix_nano":1700000000000000000,
              "status":{"code":"STATUS_CODE_ERROR"},"attributes":[{"key":"n","value":{"int_value":"42"}}]}]}]}]}
            """#)
        #expect(b.spans.count == 1)
        #expect(b.spans[0].kind == 3 && b.spans[0].status?.code == 2)
        #expect(b.spans[0].traceID.hex == "0af7651916cd43dd8448eb211c80319c")
        #expect(b.spans[0].startTimeUnixNano == 1_700_000_000_000_000_000)
        #expect(b.attributes[0].value == .int(42))
    }

    @Test func int64AsStringOrNumber() throws {
        let b = try decode(
            #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"","spanId":"","attributes":[{"key":"a","value":{"intValue":7}},{"key":"b","value":{"intValue":"-9223372036854775808"}}]}]}]}]}"#
        )
        #expect(b.attributes.map(\.value) == [.int(7), .int(Int64.min)])
    }

    @Test(arguments: [
        (#"{"resourceSpans":{}}"#, "resourceSpans"),
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}"#, "resourceSpans[0].scopeSpans[0].spans[0].traceId"),
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":{"k":"v"}}]}]}]}"#, "resourceSpans[0].scopeSpans[0].spans[0].attributes"),
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":12}]}]}]}"#, "resourceSpans[0].scopeSpans[0].spans[0].spanId"),
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"soon"}]}]}]}"#, "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano"),
    ])
    func wrongShapesNameTheField(_ text: String, _ field: String) {
        #expect(throws: OTLPDecodingError.self) { try decode(text) }
        do {
            _ = try decode(text)
        } catch {
            #expect(error.field == field)
        }
    }

    @Test func malformedJSONGivesTheOffset() {
        do {
            _ = try decode("{\"resourceSpans\": [}")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .invalidJSON("unexpected character"))
            #expect(error.offset == 19)
        }
    }

    @Test func deepJSONIsRefused() {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        do {
            _ = try decode(deep)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .tooDeep)
        }
    }
}

@Suite(.timeLimit(.minutes(5)))
struct GzipTests {
    @Test func decompressionIsCapped() throws {
        let gz = try FixtureFiles.bytes("langfuse_sdk_observe_generation.otlp.pb.gz")
        #expect(throws: OTLPDecodingError(.tooLarge(limit: 1000), field: "")) {
            try OTLPRequestDecoder(maxDecompressedBytes: 1000).decode(gz)
        }
    }

    @Test func truncatedGzipIsAnError() throws {
        let gz = try FixtureFiles.bytes("langfuse_sdk_observe_generation.otlp.pb.gz")
        #expect(throws: OTLPDecodingError.self) { try OTLPRequestDecoder().decode(Array(gz.prefix(gz.count / 2))) }
    }
}

/// Numbers at the edges of int64/uint64 in OTLP/JSON: exact values are taken, anything that would
/// need rounding, wrapping or a sign change is refused (400), never trapped on.
@Suite(.timeLimit(.minutes(5)))
struct OTLPJSONNumberEdgeTests {
    func span(_ fields: String) -> [UInt8] {
        Array(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0123456789abcdef0123456789abcdef","spanId":"0123456789abcdef",\#(fields)}]}]}]}"#.utf8)
    }

    func attribute(_ value: String) -> [UInt8] { span(#""attributes":[{"key":"k","value":\#(value)}]"#) }

    /// (A JSON number beyond 2^63 is read as a double, so only the string spelling is exact up to 2^64 - 1.)
    @Test(arguments: ["9250000000000000000", "9.25e18", "\"9250000000000000000\"", "1.8446744073709549e19", "\"18446744073709551615\""])
    func largeTimesWithinUInt64AreTaken(_ t: String) throws {
        let b = try OTLPJSONDecoder().decode(span(#""startTimeUnixNano":\#(t)"#))
        #expect(b.spans[0].startTimeUnixNano >= 9_250_000_000_000_000_000)
    }

    @Test(arguments: ["-5", "\"-5\"", "18446744073709551616", "\"18446744073709551616\"", "1e300", "-9.25e18", "1.5", "\"1e3\"", "\" 5\""])
    func timesThatAreNotUInt64AreRefused(_ t: String) throws {
        #expect(throws: OTLPDecodingError.self) { try OTLPJSONDecoder().decode(span(#""startTimeUnixNano":\#(t)"#)) }
    }

    @Test(arguments: [
        #"{"intValue":-9.25e18}"#, #"{"intValue":9.25e18}"#, #"{"intValue":9223372036854775808}"#,
        #"{"intValue":"9223372036854775808"}"#, #"{"intValue":"18446744073709551615"}"#, #"{"intValue":1e300}"#,
        #"{"intValue":0.5}"#,
    ])
    func intValuesOutsideInt64AreRefused(_ v: String) throws {
        #expect(throws: OTLPDecodingError.self) { try OTLPJSONDecoder().decode(attribute(v)) }
    }

    @Test func int64EdgesAreExact() throws {
        let b = try OTLPJSONDecoder().decode(attribute(#"{"intValue":-9223372036854775808}"#))
        #expect(b.attributes[0].value == .int(Int64.min))
        let c = try OTLPJSONDecoder().decode(attribute(#"{"intValue":"9223372036854775807"}"#))
        #expect(c.attributes[0].value == .int(Int64.max))
        let d = try OTLPJSONDecoder().decode(attribute(#"{"intValue":-9.2e18}"#))
        #expect(d.attributes[0].value == .int(-9_200_000_000_000_000_000))
    }

    /// Error text says where and what, never repeats what was sent.
    @Test func errorsDoNotRepeatTheInput() {
        for body in [
            span(#""startTimeUnixNano":"secret-token-123""#), attribute(#"{"doubleValue":"secret-token-123"}"#),
            Array(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"secret-token-123"}]}]}]}"#.utf8),
            Array(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"secret-token-123"}]}]}]}"#.utf8),
        ] {
            do {
                _ = try OTLPJSONDecoder().decode(body)
                Issue.record("expected an error")
            } catch {
                #expect(!error.description.contains("secret"), "\(error)")
            }
        }
    }
}

/// JSON and protobuf allow the same nesting of array and kvlist values.
@Suite(.timeLimit(.minutes(5)))
struct NestingParityTests {
    func jsonValue(depth: Int, kvlist: Bool) -> String {
        var v = #"{"boolValue":true}"#
        for _ in 0..<depth {
            v = kvlist ? #"{"kvlistValue":{"values":[{"key":"k","value":\#(v)}]}}"# : #"{"arrayValue":{"values":[\#(v)]}}"#
        }
        return #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"events":[{"attributes":[{"key":"k","value":\#(v)}]}]}]}]}]}"#
    }

    @Test(arguments: [false, true])
    func bothFormatsTakeThirtyTwoLevelsAndRefuseThirtyThree(_ kvlist: Bool) throws {
        let ok = try OTLPJSONDecoder().decode(Array(jsonValue(depth: 32, kvlist: kvlist).utf8))
        #expect(ok.events.count == 1)
        // The same request in protobuf, decoded by our walker.
        let pb = OTLPProtobufEncoder().encode(ok)
        #expect(try OTLPProtobufDecoder().decode(pb).events.count == 1)
        #expect(throws: OTLPDecodingError.self) { try OTLPJSONDecoder().decode(Array(jsonValue(depth: 33, kvlist: kvlist).utf8)) }
        do {
            _ = try OTLPJSONDecoder().decode(Array(jsonValue(depth: 33, kvlist: kvlist).utf8))
        } catch {
            #expect(error.kind == .tooDeep)
        }
    }

    @Test func protobufRefusesThirtyThreeLevels() throws {
        // 33 levels written by hand (our encoder writes what it decodes; the decoder never yields 33).
        var value: [UInt8] = [0x10, 0x01]
        for _ in 0..<33 {
            let values = [0x0A] + MalformedProtobufTests().varint(value.count) + value
            value = [0x2A] + MalformedProtobufTests().varint(values.count) + values
        }
        let kv: [UInt8] = [0x0A, 0x01, 0x6B, 0x12] + MalformedProtobufTests().varint(value.count) + value
        let span: [UInt8] = [0x4A] + MalformedProtobufTests().varint(kv.count) + kv
        #expect(MalformedProtobufTests().error(MalformedProtobufTests().wrap(span))?.kind == .tooDeep)
    }
}

/// A small body cannot decode to gigabytes: the decoded tables have a budget, and beyond it the
/// request is refused as too large (413 / RESOURCE_EXHAUSTED at the receivers).
@Suite(.timeLimit(.minutes(5)))
struct DecodedSizeBudgetTests {
    /// ExportTraceServiceRequest{ResourceSpans{ScopeSpans{spans: n empty spans}}}: two bytes a span.
    static func emptySpans(_ n: Int) -> [UInt8] {
        func varint(_ v: Int) -> [UInt8] { MalformedProtobufTests().varint(v) }
        var scopeSpans = [UInt8]()
        scopeSpans.reserveCapacity(2 * n)
        for _ in 0..<n { scopeSpans += [0x12, 0x00] }
        let resourceSpans = [0x12] + varint(scopeSpans.count) + scopeSpans
        return [0x0A] + varint(resourceSpans.count) + resourceSpans
    }

    @Test func emptySpansRunIntoTheBudget() async throws {
        let body = Self.emptySpans(1_000_000)  // 2 MB on the wire, over 100 MB as spans
        let refused = try await offPool { () -> OTLPDecodingError? in
            do throws(OTLPDecodingError) { _ = try OTLPProtobufDecoder(maxDecodedBytes: 8 << 20).decode(body); return nil } catch { return error }
        }
        #expect(refused?.kind == .decodedTooLarge(limit: 8 << 20))
        #expect(refused?.description.contains("decodes to more than 8388608 bytes") == true)
        // Under the budget the same shape decodes.
        let small = try OTLPProtobufDecoder(maxDecodedBytes: 8 << 20).decode(Self.emptySpans(10_000))
        #expect(small.spans.count == 10_000 && small.tableBytes <= 8 << 20)
    }

    @Test func theGzipBombOfEmptySpansIsRefusedThroughTheRequestDecoder() async throws {
        let (size, refused) = try await offPool { () -> (Int, OTLPDecodingError?) in
            let gz = try Gzip.compress(Self.emptySpans(10_000_000), level: 9)
            do throws(OTLPDecodingError) { _ = try OTLPRequestDecoder(maxDecompressedBytes: 20 << 20).decode(gz); return (gz.count, nil) } catch {
                return (gz.count, error)
            }
        }
        #expect(size < 40_000)  // about 19 KB
        #expect(refused?.kind == .decodedTooLarge(limit: 40 << 20))
    }

    @Test func nestedValuesAndJSONCountToo() async throws {
        try await offPool { try Self.nestedValuesAndJSON() }
    }

    static func nestedValuesAndJSON() throws {
        // One attribute holding an array of a million empty values.
        var values = [UInt8]()
        for _ in 0..<1_000_000 { values += [0x0A, 0x00] }
        let array = [0x2A] + MalformedProtobufTests().varint(values.count) + values
        let kv: [UInt8] = [0x0A, 0x01, 0x6B, 0x12] + MalformedProtobufTests().varint(array.count) + array
        let span: [UInt8] = [0x4A] + MalformedProtobufTests().varint(kv.count) + kv
        #expect(MalformedProtobufTests().error(MalformedProtobufTests().wrap(span)) == nil)  // default budget: 64 MiB
        do {
            _ = try OTLPProtobufDecoder(maxDecodedBytes: 4 << 20).decode(MalformedProtobufTests().wrap(span))
            Issue.record("expected the budget to refuse")
        } catch {
            #expect(error.kind == .decodedTooLarge(limit: 4 << 20))
        }
        let json = Array(("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" + Array(repeating: "{}", count: 300_000).joined(separator: ",") + "]}]}]}").utf8)
        do {
            _ = try OTLPJSONDecoder(maxDecodedBytes: 8 << 20).decode(json)
            Issue.record("expected the budget to refuse")
        } catch {
            #expect(error.kind == .decodedTooLarge(limit: 8 << 20))
        }
        #expect(try OTLPJSONDecoder().decode(json).spans.count == 300_000)
    }
}

/// What follows compressed data is either another gzip member, inflated too, or an error.
@Suite(.timeLimit(.minutes(5)))
struct CompressedTrailerTests {
    let a = Array(
        #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0123456789abcdef0123456789abcdef","spanId":"0123456789abcdef","name":"a"}]}]}]}"#.utf8)

    @Test func everyGzipMemberIsInflated() throws {
        let two = try Gzip.compress(Array(a.prefix(40))) + Gzip.compress(Array(a.dropFirst(40)))
        #expect(try Gzip.decompress(two, limit: 1 << 20) == a)
        #expect(try OTLPRequestDecoder().decode(two).spans.count == 1)
    }

    @Test(arguments: [[0x00], [0x00, 0x00, 0x00, 0x00], Array("garbage".utf8), [0x1F]] as [[UInt8]])
    func trailingBytesAreAnError(_ trailer: [UInt8]) throws {
        let gz = try Gzip.compress(a) + trailer
        #expect(throws: OTLPDecodingError.self) { try Gzip.decompress(gz, limit: 1 << 20) }
        do {
            _ = try Gzip.decompress(gz, limit: 1 << 20)
        } catch {
            #expect(error.description.contains("after the end of the compressed data") || error.description.contains("truncated"), "\(error)")
        }
    }

    @Test func deflateAllowsOneStreamOnly() async throws {
        // zlib-wrapped data (HTTP's deflate): the same bytes with a second stream after it are refused.
        let gz = try Gzip.compress(a)
        let raw = try Gzip.decompress(gz, limit: 1 << 20)
        #expect(raw == a)
        let zlib = try await PythonTool.zlibCompress(a)
        #expect(try Gzip.decompress(zlib, limit: 1 << 20, zlibHeader: true) == a)
        #expect(throws: OTLPDecodingError.self) { try Gzip.decompress(zlib + zlib, limit: 1 << 20, zlibHeader: true) }
    }
}
