import CollectorCore

/// Writes record values as JSON, reading attribute values straight from the batch's bytes.
/// Shared by every encoder of Langfuse records.
public struct RecordJSONWriter {
    public let batch: TraceBatch
    public var w: JSONWriter
    /// Whether the current object/array already has a member (one flag per open container).
    private var needsComma: [Bool] = []

    public init(batch: TraceBatch, capacity: Int) {
        self.batch = batch
        w = JSONWriter(capacity: capacity)
    }

    public var bytes: [UInt8] { w.bytes }

    // MARK: containers

    public mutating func beginObject() { separate(); w.bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    public mutating func endObject() { needsComma.removeLast(); w.bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { separate(); w.bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    public mutating func endArray() { needsComma.removeLast(); w.bytes.append(UInt8(ascii: "]")) }

    /// Writes `"key":` inside an object.
    public mutating func key(_ key: String) {
        separate()
        w.writeString(key)
        w.bytes.append(UInt8(ascii: ":"))
        needsComma[needsComma.count - 1] = false  // the value follows without a comma
    }

    private mutating func separate() {
        guard let last = needsComma.last else { return }
        if last { w.bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    // MARK: values

    public mutating func json(_ v: JSONValue) { separate(); w.write(v) }
    /// Bytes that are already one JSON value.
    public mutating func rawJSON(_ bytes: [UInt8]) { separate(); w.bytes.append(contentsOf: bytes) }
    /// UTF-8 bytes as a JSON string.
    public mutating func stringBytes(_ bytes: [UInt8]) { separate(); bytes.withUnsafeBufferPointer { w.writeStringBytes($0) } }
    public mutating func string(_ s: String) { separate(); w.writeString(s) }

    public mutating func field(_ name: String, _ v: JSONValue?) { if let v { key(name); json(v) } }
    public mutating func field(_ name: String, _ s: String?) { if let s { key(name); string(s) } }
    public mutating func field(_ name: String, _ v: RecordValue?) { if let v { key(name); value(v) } }

    public mutating func value(_ v: RecordValue) {
        switch v {
        case .json(let j): json(j)
        case .attribute(let a): attribute(a)
        case .attributeTexts(let selection):
            beginObject()
            for (position, valueIndex) in selection.entries(in: batch) {
                separate()
                storedString(batch.attributes[position].key)
                w.bytes.append(UInt8(ascii: ":"))
                needsComma[needsComma.count - 1] = true
                let a = batch.attributes[valueIndex].value
                if case .string(let r) = a { storedString(r) } else { w.writeString(batch.stringified(a)) }
            }
            endObject()
        }
    }

    public mutating func members(_ list: [RecordMember]) {
        beginObject()
        for m in list { key(m.key); value(m.value) }
        endObject()
    }

    /// An attribute value as JSON (kvlists as objects, bytes as base64), strings copied once.
    public mutating func attribute(_ a: AttributeValue) {
        switch a {
        case .string(let r): separate(); storedString(r)
        case .array(let s):
            beginArray()
            for item in batch.arrayValues[s.range] { attribute(item) }
            endArray()
        case .kvlist(let s):
            beginObject()
            for m in batch.nestedAttributes[s.range] {
                separate()
                storedString(m.key)
                w.bytes.append(UInt8(ascii: ":"))
                needsComma[needsComma.count - 1] = false
                attribute(m.value)
            }
            endObject()
        default: json(batch.jsonValue(a))
        }
    }

    private mutating func storedString(_ r: ByteRange) {
        let store = batch.bytes
        store.withUnsafeBufferPointer { buf in
            w.writeStringBytes(UnsafeBufferPointer(rebasing: buf[r.lowerBound..<r.upperBound]))
        }
    }
}
