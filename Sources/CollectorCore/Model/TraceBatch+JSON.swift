extension TraceBatch {
    /// An attribute value as JSON. Differs from Langfuse on purpose: a kvlist becomes an object
    /// (not the JSON text of its wrapper), bytes become base64 text, and an empty value is null.
    public func jsonValue(_ value: AttributeValue, depth: Int = 0) -> JSONValue {
        switch value {
        case .empty: return .null
        case .string(let r): return .string(string(r))
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return d.isFinite ? .double(d) : .string(d.isNaN ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"))
        case .bytes(let r): return .string(Base64.encode(bytes[r.lowerBound..<r.upperBound]))
        case .array(let s): return .array(arrayValues[s.range].map { jsonValue($0, depth: depth + 1) })
        case .kvlist(let s): return .object(nestedAttributes[s.range].map { JSONMember(string($0.key), jsonValue($0.value, depth: depth + 1)) })
        }
    }

    /// The attributes of a slice as a JSON object, in order; a repeated key keeps its last value.
    public func jsonObject(_ slice: TableSlice) -> [JSONMember] {
        var members: [JSONMember] = []
        members.reserveCapacity(Int(slice.count))
        members.setAll(attributes[slice.range].lazy.map { (string($0.key), jsonValue($0.value)) })
        return members
    }

    /// Langfuse's metadata stringification: strings as they are, everything else as JSON text.
    public func stringified(_ value: AttributeValue) -> String {
        switch value {
        case .string(let r): return string(r)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .double(let d) where d.isFinite: return JSONWriter.javaScriptNumber(d)
        default: return JSONWriter.serialize(jsonValue(value))
        }
    }

    /// JavaScript truthiness of a value as Langfuse would see it.
    public func isTruthy(_ value: AttributeValue) -> Bool {
        switch value {
        case .empty: return false
        case .string(let r): return r.count > 0
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0 && !d.isNaN
        case .bytes, .array, .kvlist: return true
        }
    }
}
