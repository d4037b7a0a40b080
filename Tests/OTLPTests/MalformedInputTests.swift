import CollectorCore
import OTLP
import OTLPSamples
import Testing

/// Every kind of broken input gets a typed error that names the problem.
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
            value = [0x2A] + varint(values.count) + values      // AnyValue.array_value
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

struct OTLPJSONVariantTests {
    func decode(_ text: String) throws(OTLPDecodingError) -> TraceBatch {
        try OTLPJSONDecoder().decode(Array(text.utf8))
    }

    @Test func snakeCaseKeysAndEnumNamesAreAccepted() throws {
        let b = try decode(#"""
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
        let b = try decode(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"","spanId":"","attributes":[{"key":"a","value":{"intValue":7}},{"key":"b","value":{"intValue":"-9223372036854775808"}}]}]}]}]}"#)
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
