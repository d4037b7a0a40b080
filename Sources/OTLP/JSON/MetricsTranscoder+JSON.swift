import CollectorCore

extension MetricsTranscoder {
    /// An OTLP/JSON request as protobuf bytes, with its data points counted: a JSON client's metrics
    /// then travel as any other's.
    static func batch(json root: JSONValue) throws(OTLPDecodingError) -> TraceBatch {
        var w = JSONToProto()
        try w.message("Request", root, path: "", depth: 0)
        var batch = TraceBatch(bytes: w.out.out)
        batch.signal = .metrics
        batch.metricPoints = w.points
        return batch
    }

    struct JSONToProto {
        var out = WireWriter()
        var points = 0

        mutating func message(_ name: String, _ v: JSONValue, path: String, depth: Int) throws(OTLPDecodingError) {
            guard depth < maxDepth else { throw OTLPDecodingError(.tooDeep, field: path) }
            if case .null = v { return }
            guard case .object(let members) = v else { throw OTLPDecodingError(.unexpectedJSONType(expected: "an object"), field: path) }
            let fields = byName[name]!
            for m in members {
                guard let f = fields[camelCased(m.key)] else { continue }
                let p = path.isEmpty ? f.name : path + "." + f.name
                if case .null = m.value { continue }
                guard f.repeated else {
                    try one(f, m.value, path: p, depth: depth)
                    continue
                }
                guard case .array(let items) = m.value else { throw OTLPDecodingError(.unexpectedJSONType(expected: "an array"), field: p) }
                if case .message = f.kind {
                    for (i, item) in items.enumerated() {
                        try one(f, item, path: "\(p)[\(i)]", depth: depth)
                        if f.points { points += 1 }
                    }
                } else if !items.isEmpty {
                    // Repeated scalars are packed, as proto3 writes them.
                    let mark = out.begin(f.number)
                    for (i, item) in items.enumerated() { try scalar(f, item, path: "\(p)[\(i)]", tagged: false) }
                    out.end(mark)
                }
            }
        }

        mutating func one(_ f: Field, _ v: JSONValue, path: String, depth: Int) throws(OTLPDecodingError) {
            switch f.kind {
            case .message(let m):
                let mark = out.begin(f.number)
                try message(m, v, path: path, depth: depth + 1)
                out.end(mark)
            case .string:
                guard case .string(let s) = v else { throw OTLPDecodingError(.unexpectedJSONType(expected: "a string"), field: path) }
                out.bytes(f.number, Array(s.utf8))
            case .bytes:
                guard case .string(let s) = v, let raw = Base64.decode(s) else {
                    throw OTLPDecodingError(.invalidJSONValue("must be base64"), field: path)
                }
                out.bytes(f.number, raw)
            case .hexID:
                guard case .string(let s) = v else { throw OTLPDecodingError(.unexpectedJSONType(expected: "a hex id string"), field: path) }
                let u = Array(s.utf8)
                guard u.count % 2 == 0, u.count <= 32, let raw = Self.hexBytes(u) else {
                    throw OTLPDecodingError(.invalidJSONValue("id must be hex"), field: path)
                }
                if !raw.isEmpty { out.bytes(f.number, raw) }
            default:
                try scalar(f, v, path: path, tagged: true)
            }
        }

        static func hexBytes(_ u: [UInt8]) -> [UInt8]? {
            var raw: [UInt8] = []
            var i = 0
            while i + 1 < u.count {
                guard let hi = Hex.nibble(u[i]), let lo = Hex.nibble(u[i + 1]) else { return nil }
                raw.append(hi << 4 | lo)
                i += 2
            }
            return raw
        }

        mutating func scalar(_ f: Field, _ v: JSONValue, path: String, tagged: Bool) throws(OTLPDecodingError) {
            switch f.kind {
            case .double:
                let d: Double
                switch v {
                case .int(let i): d = Double(i)
                case .double(let x): d = x
                case .string("NaN"): d = .nan
                case .string("Infinity"): d = .infinity
                case .string("-Infinity"): d = -.infinity
                case .string(let s):
                    guard let x = Double(s) else { throw OTLPDecodingError(.invalidJSONValue("string is not a number"), field: path) }
                    d = x
                default: throw OTLPDecodingError(.unexpectedJSONType(expected: "a number"), field: path)
                }
                if tagged { out.tag(f.number, 1) }
                out.raw64(d.bitPattern)
            case .fixed64, .sfixed64:
                let bits = f.kind.isSigned ? UInt64(bitPattern: try Self.signed(v, path)) : try Self.unsigned(v, path)
                if tagged { out.tag(f.number, 1) }
                out.raw64(bits)
            case .bool:
                guard case .bool(let b) = v else { throw OTLPDecodingError(.unexpectedJSONType(expected: "a boolean"), field: path) }
                if tagged { out.tag(f.number, 0) }
                out.varint(b ? 1 : 0)
            case .int32:
                var i: Int64
                if f.name == "aggregationTemporality", case .string(let s) = v, let k = temporalities.firstIndex(of: s) {
                    i = Int64(k)
                } else {
                    i = try Self.signed(v, path)
                }
                guard let x = Int32(exactly: i) else { throw OTLPDecodingError(.invalidJSONValue("out of range for int32"), field: path) }
                i = Int64(x)
                if tagged { out.tag(f.number, 0) }
                out.varint(UInt64(bitPattern: i))
            case .sint32:
                guard let x = Int32(exactly: try Self.signed(v, path)) else {
                    throw OTLPDecodingError(.invalidJSONValue("out of range for int32"), field: path)
                }
                if tagged { out.tag(f.number, 0) }
                out.varint(UInt64(UInt32(bitPattern: (x << 1) ^ (x >> 31))))
            case .uint32:
                guard let x = UInt32(exactly: try Self.unsigned(v, path)) else {
                    throw OTLPDecodingError(.invalidJSONValue("out of range for uint32"), field: path)
                }
                if tagged { out.tag(f.number, 0) }
                out.varint(UInt64(x))
            case .uint64:
                let x = try Self.unsigned(v, path)
                if tagged { out.tag(f.number, 0) }
                out.varint(x)
            case .int64:
                let x = try Self.signed(v, path)
                if tagged { out.tag(f.number, 0) }
                out.varint(UInt64(bitPattern: x))
            default:
                throw OTLPDecodingError(.unexpectedJSONType(expected: "a scalar"), field: path)
            }
        }

        static func signed(_ v: JSONValue, _ path: String) throws(OTLPDecodingError) -> Int64 {
            switch v {
            case .int(let i): return i
            case .double(let d):
                guard let i = Int64(exactly: d) else { throw OTLPDecodingError(.invalidJSONValue("number is not an integer"), field: path) }
                return i
            case .string(let s):
                guard let i = Int64(s) else { throw OTLPDecodingError(.invalidJSONValue("string is not an integer"), field: path) }
                return i
            default: throw OTLPDecodingError(.unexpectedJSONType(expected: "an integer"), field: path)
            }
        }

        static func unsigned(_ v: JSONValue, _ path: String) throws(OTLPDecodingError) -> UInt64 {
            switch v {
            case .string(let s):
                guard let u = UInt64(s) else { throw OTLPDecodingError(.invalidJSONValue("string is not a uint64"), field: path) }
                return u
            default:
                let i = try signed(v, path)
                guard i >= 0 else { throw OTLPDecodingError(.invalidJSONValue("negative value for an unsigned field"), field: path) }
                return UInt64(i)
            }
        }
    }
}

extension MetricsTranscoder.Kind {
    var isSigned: Bool {
        if case .sfixed64 = self { return true }
        return false
    }
}
