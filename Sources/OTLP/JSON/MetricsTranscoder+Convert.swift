import CollectorCore

extension MetricsTranscoder {
    static let byName: [String: [String: Field]] = messages.mapValues { fields in
        Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0) })
    }
    static let byNumber: [String: [Int: Field]] = messages.mapValues { fields in
        Dictionary(uniqueKeysWithValues: fields.map { ($0.number, $0) })
    }
    static let temporalities = ["AGGREGATION_TEMPORALITY_UNSPECIFIED", "AGGREGATION_TEMPORALITY_DELTA", "AGGREGATION_TEMPORALITY_CUMULATIVE"]

    // MARK: protobuf → checked (and counted), or → JSON

    /// Checks a protobuf request down to every field it knows, and counts its data points.
    static func batch(_ bytes: [UInt8]) throws(OTLPDecodingError) -> TraceBatch {
        var batch = TraceBatch(bytes: bytes)
        batch.signal = .metrics
        var points = 0
        _ = try read(bytes, build: false, points: &points)
        batch.metricPoints = points
        return batch
    }

    /// The request as OTLP/JSON (what the file and debug exporters write).
    static func json(_ bytes: [UInt8]) -> JSONValue {
        var points = 0
        do {
            return try read(bytes, build: true, points: &points) ?? .object([])
        } catch {
            // Checked when received; a record read back from disk is checked by its CRC too.
            return .object([JSONMember("unreadableMetrics", .string(error.description))])
        }
    }

    private static func read(_ bytes: [UInt8], build: Bool, points: inout Int) throws(OTLPDecodingError) -> JSONValue? {
        try bytes.withUnsafeBufferPointer { (buf) throws(OTLPDecodingError) -> JSONValue? in
            guard let base = buf.baseAddress, !buf.isEmpty else { return build ? .object([]) : nil }
            var r = ProtoReader(base: base, build: build)
            let v = try r.message("Request", 0..<buf.count, depth: 0)
            points = r.points
            return v
        }
    }

    struct ProtoReader {
        let base: UnsafePointer<UInt8>
        let build: Bool
        var points = 0

        mutating func message(_ name: String, _ range: Range<Int>, depth: Int) throws(OTLPDecodingError) -> JSONValue? {
            guard depth < maxDepth else { throw OTLPDecodingError(.tooDeep, field: name) }
            let fields = byNumber[name]!
            var values: [Int: [JSONValue]] = [:]
            var rd = WireReader(base: base, pos: range.lowerBound, end: range.upperBound)
            while !rd.atEnd {
                let (n, w) = try rd.tag("metrics message")
                guard let field = fields[n] else {
                    try rd.skip(w, field: n, "metrics message")
                    continue
                }
                let read = try value(field, wire: w, &rd, depth: depth)
                if field.points { points += 1 }
                if build {
                    if field.repeated { values[n, default: []] += read } else { values[n] = read }
                }
            }
            guard build else { return nil }
            return .object(
                messages[name]!.compactMap { f in
                    guard let v = values[f.number] else { return nil }
                    return JSONMember(f.name, f.repeated ? .array(v) : v[v.count - 1])
                })
        }

        /// One occurrence on the wire: one value, or several for a packed repeated scalar.
        mutating func value(_ f: Field, wire: UInt8, _ rd: inout WireReader, depth: Int) throws(OTLPDecodingError) -> [JSONValue] {
            let path = "metrics field \(f.name)"
            switch f.kind {
            case .message(let m):
                guard wire == 2 else { throw OTLPDecodingError(.invalidWireType(wire), field: path, offset: rd.pos) }
                let r = try rd.lengthDelimited("metrics message")
                return [try message(m, r, depth: depth + 1) ?? .null]
            case .string:
                guard wire == 2 else { throw OTLPDecodingError(.invalidWireType(wire), field: path, offset: rd.pos) }
                let r = try rd.string("metrics string")
                return build ? [.string(String(decoding: UnsafeBufferPointer(start: base + r.lowerBound, count: Int(r.count)), as: UTF8.self))] : [.null]
            case .bytes, .hexID:
                guard wire == 2 else { throw OTLPDecodingError(.invalidWireType(wire), field: path, offset: rd.pos) }
                let r = try rd.lengthDelimited("metrics bytes")
                guard build else { return [.null] }
                let raw = UnsafeBufferPointer(start: base + r.lowerBound, count: r.count)
                if case .hexID = f.kind { return [.string(Hex.string(raw))] }
                return [.string(Base64.encode(raw))]
            default:
                let wantWire: UInt8 = Self.isFixed(f.kind) ? 1 : 0
                if wire == wantWire { return [try scalar(f.kind, &rd)] }
                guard wire == 2, f.repeated else { throw OTLPDecodingError(.invalidWireType(wire), field: path, offset: rd.pos) }
                let r = try rd.lengthDelimited("metrics packed")
                var packed = WireReader(base: base, pos: r.lowerBound, end: r.upperBound)
                var out: [JSONValue] = []
                while !packed.atEnd { out.append(try scalar(f.kind, &packed)) }
                return out
            }
        }

        static func isFixed(_ k: Kind) -> Bool {
            switch k {
            case .fixed64, .sfixed64, .double: return true
            default: return false
            }
        }

        func scalar(_ k: Kind, _ rd: inout WireReader) throws(OTLPDecodingError) -> JSONValue {
            switch k {
            case .fixed64: return .string(String(try rd.fixed64("metrics fixed64")))
            case .sfixed64: return .string(String(Int64(bitPattern: try rd.fixed64("metrics sfixed64"))))
            case .double:
                let d = Double(bitPattern: try rd.fixed64("metrics double"))
                return d.isFinite ? .double(d) : .string(d.isNaN ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"))
            case .bool: return .bool(try rd.varint("metrics bool") != 0)
            case .uint32: return .int(Int64(UInt32(truncatingIfNeeded: try rd.varint("metrics uint32"))))
            case .int32: return .int(Int64(Int32(truncatingIfNeeded: try rd.varint("metrics int32"))))
            case .sint32:
                let v = UInt32(truncatingIfNeeded: try rd.varint("metrics sint32"))
                return .int(Int64(Int32(bitPattern: (v >> 1) ^ (0 &- (v & 1)))))
            case .uint64: return .string(String(try rd.varint("metrics uint64")))
            case .int64: return .string(String(Int64(bitPattern: try rd.varint("metrics int64"))))
            default: return .null
            }
        }
    }
}
