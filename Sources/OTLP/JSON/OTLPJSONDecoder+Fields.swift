import CollectorCore

/// Reading OTLP/JSON's typed fields: objects, lists, strings into the store, int64 and uint64 as a
/// number or a string (exactly), enums by number or name, and hex ids.
extension JSONBatchBuilder {
    func fields(_ v: JSONValue, _ path: String) throws(OTLPDecodingError) -> [(String, JSONValue)] {
        guard case .object(let members) = v else { throw OTLPDecodingError(.unexpectedJSONType(expected: "an object"), field: path) }
        return members.map { (camelCased($0.key), $0.value) }
    }

    func list(_ v: JSONValue, _ path: String) throws(OTLPDecodingError) -> [JSONValue] {
        if case .null = v { return [] }
        guard case .array(let items) = v else { throw OTLPDecodingError(.unexpectedJSONType(expected: "an array"), field: path) }
        return items
    }

    mutating func text(_ v: JSONValue, _ path: String) throws(OTLPDecodingError) -> ByteRange {
        if case .null = v { return .empty }
        guard case .string(let s) = v else { throw OTLPDecodingError(.unexpectedJSONType(expected: "a string"), field: path) }
        return s.isEmpty ? .empty : batch.store(s)
    }

    /// int64: a JSON number or a decimal string, exactly representable (no rounding, no wrapping).
    func integer(_ v: JSONValue, _ path: String) throws(OTLPDecodingError) -> Int64 {
        switch v {
        case .null: return 0
        case .int(let i): return i
        case .double(let d):
            guard let i = Int64(exactly: d) else { throw OTLPDecodingError(.invalidJSONValue("number is not an int64"), field: path) }
            return i
        case .string(let s):
            guard let i = Int64(s) else { throw OTLPDecodingError(.invalidJSONValue("string is not an int64"), field: path) }
            return i
        default:
            throw OTLPDecodingError(.unexpectedJSONType(expected: "an integer"), field: path)
        }
    }

    /// uint64/fixed64 (times, counts): negative values are refused in either spelling.
    func unsigned(_ v: JSONValue, _ path: String) throws(OTLPDecodingError) -> UInt64 {
        switch v {
        case .null: return 0
        case .int(let i):
            guard i >= 0 else { throw OTLPDecodingError(.invalidJSONValue("negative value for an unsigned field"), field: path) }
            return UInt64(i)
        case .double(let d):
            guard let u = UInt64(exactly: d) else { throw OTLPDecodingError(.invalidJSONValue("number is not a uint64"), field: path) }
            return u
        case .string(let s):
            guard let u = UInt64(s) else { throw OTLPDecodingError(.invalidJSONValue("string is not a uint64"), field: path) }
            return u
        default:
            throw OTLPDecodingError(.unexpectedJSONType(expected: "an integer"), field: path)
        }
    }

    /// Enums as numbers (spec) or names (accepted, as the OpenTelemetry Collector does).
    func enumValue(_ v: JSONValue, names: [String], _ path: String) throws(OTLPDecodingError) -> Int32 {
        if case .string(let s) = v, let i = names.firstIndex(of: s) { return Int32(i) }
        let i = try integer(v, path)
        guard let r = Int32(exactly: i) else { throw OTLPDecodingError(.invalidJSONValue("enum value \(i) out of range"), field: path) }
        return r
    }

    func traceID(_ v: JSONValue, _ path: String) throws(OTLPDecodingError) -> TraceID {
        let s = try idText(v, path)
        if s.isEmpty { return .zero }
        let u = Array(s.utf8)
        guard u.count == 32, let hi = Hex.decodeWord(u[0..<16]), let lo = Hex.decodeWord(u[16..<32]) else {
            throw OTLPDecodingError(.invalidJSONValue(Self.badID(u, expected: 32, "trace id")), field: path)
        }
        return TraceID(high: hi, low: lo)
    }

    func spanID(_ v: JSONValue, _ path: String) throws(OTLPDecodingError) -> SpanID? {
        let s = try idText(v, path)
        if s.isEmpty { return nil }
        let u = Array(s.utf8)
        guard u.count == 16, let w = Hex.decodeWord(u) else {
            throw OTLPDecodingError(.invalidJSONValue(Self.badID(u, expected: 16, "span id")), field: path)
        }
        return SpanID(w)
    }

    /// What is wrong with an id, by length and position: never the text itself, which may be anything.
    static func badID(_ u: [UInt8], expected: Int, _ name: String) -> String {
        if u.count != expected { return "\(name) must be \(expected) hex characters, got \(u.count) bytes" }
        let at = u.firstIndex { Hex.nibble($0) == nil } ?? 0
        return "\(name) has a non-hex character at position \(at)"
    }

    func idText(_ v: JSONValue, _ path: String) throws(OTLPDecodingError) -> String {
        switch v {
        case .null: return ""
        case .string(let s): return s
        default: throw OTLPDecodingError(.unexpectedJSONType(expected: "a hex id string"), field: path)
        }
    }
}
