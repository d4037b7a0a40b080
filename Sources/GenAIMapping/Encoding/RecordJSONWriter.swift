import CollectorCore

/// Writes record values as JSON, reading attribute values straight from the batch's bytes.
/// Shared by every encoder of Langfuse records. Writes go into one growing buffer: literal keys,
/// ids, times and numbers are formatted in place, never through an intermediate string.
public struct RecordJSONWriter {
    public let batch: TraceBatch
    public var w: JSONWriter
    /// Whether the next member or element needs a comma first. One flag suffices: opening a
    /// container clears it, and closing one sets it (the container was a value of its parent).
    private var needsComma = false

    public init(batch: TraceBatch, capacity: Int) {
        self.batch = batch
        w = JSONWriter(capacity: capacity)
    }

    /// Writes on after `bytes` (taken over: the caller's array is left empty, so no copy is made).
    public init(batch: TraceBatch, appendingTo bytes: inout [UInt8]) {
        self.batch = batch
        w = JSONWriter(capacity: 0)
        swap(&w.bytes, &bytes)
    }

    public var bytes: [UInt8] { w.bytes }

    /// Hands the written bytes back (the other half of `init(batch:appendingTo:)`).
    public mutating func finish(into bytes: inout [UInt8]) { swap(&w.bytes, &bytes) }

    /// Ends a JSON Lines record.
    public mutating func newline() {
        w.bytes.append(0x0A)
        needsComma = false
    }

    // MARK: containers

    public mutating func beginObject() { separate(); w.bytes.append(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { w.bytes.append(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); w.bytes.append(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { w.bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// Writes `"key":` inside an object, for a literal key.
    @inline(__always)
    public mutating func key(_ key: StaticString) {
        w.key(key, comma: needsComma)
        needsComma = false  // the value follows without a comma
    }

    /// Writes `"key":` for a key from data (escaped).
    public mutating func key(dynamic key: String) {
        separate()
        w.writeString(key)
        w.bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    @inline(__always)
    private mutating func separate() {
        if needsComma { w.bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    // MARK: values

    public mutating func json(_ v: JSONValue) { separate(); w.write(v) }
    public mutating func null() { separate(); w.raw("null" as StaticString) }
    public mutating func bool(_ b: Bool) { separate(); w.raw(b ? "true" : "false") }
    public mutating func int(_ v: Int64) { separate(); w.writeInt(v) }
    public mutating func double(_ d: Double) { separate(); w.writeDouble(d) }
    /// Bytes that are already one JSON value.
    public mutating func rawJSON(_ bytes: [UInt8]) { separate(); w.bytes.append(contentsOf: bytes) }
    /// UTF-8 bytes as a JSON string.
    public mutating func stringBytes(_ bytes: [UInt8]) { separate(); bytes.withUnsafeBufferPointer { w.writeStringBytes($0) } }
    public mutating func string(_ s: String) { separate(); w.writeString(s) }
    public mutating func hex(_ id: TraceID) { separate(); w.writeHexString(id.high, id.low) }
    public mutating func hex(_ id: SpanID) { separate(); w.writeHexString(id.value) }
    /// A UUID's 8-4-4-4-12 text of two words, quoted.
    public mutating func uuid(_ high: UInt64, _ low: UInt64) { separate(); w.writeUUID(high, low) }
    /// ISO-8601 with milliseconds, quoted.
    public mutating func isoTime(unixNanos: UInt64) { separate(); w.writeISO8601(millis: Int64(unixNanos / 1_000_000)) }
    /// A fixed-point number: `units` with `places` decimals (`1716000000.123`).
    public mutating func decimal(_ units: UInt64, places: Int) { separate(); w.writeDecimal(units, places: places) }

    public mutating func field(_ name: StaticString, _ v: JSONValue?) { if let v { key(name); json(v) } }
    public mutating func field(_ name: StaticString, _ s: String?) { if let s { key(name); string(s) } }
    public mutating func field(_ name: StaticString, _ v: RecordValue?) { if let v { key(name); value(v) } }
    public mutating func field(_ name: StaticString, _ id: TraceID) { key(name); hex(id) }
    public mutating func field(_ name: StaticString, _ id: SpanID?) { if let id { key(name); hex(id) } }

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
                let a = batch.attributes[valueIndex].value
                if case .string(let r) = a { storedString(r) } else { w.writeString(batch.stringified(a)) }
            }
            endObject()
        }
    }

    public mutating func members(_ list: [RecordMember]) {
        beginObject()
        for m in list { key(dynamic: m.key); value(m.value) }
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
                needsComma = false
                attribute(m.value)
            }
            endObject()
        default: json(batch.jsonValue(a))
        }
    }

    /// A string value stored in `batch` (which may be another part's), as a JSON string.
    public mutating func storedString(_ r: ByteRange, in batch: TraceBatch) {
        separate()
        stored(r, of: batch)
    }

    /// A stored string of this writer's batch, quoted and escaped (the caller has separated).
    private mutating func storedString(_ r: ByteRange) { stored(r, of: batch) }

    /// Quoted and escaped straight from the batch's bytes.
    private mutating func stored(_ r: ByteRange, of batch: TraceBatch) {
        batch.bytes.withUnsafeBufferPointer { buf in
            w.writeStringBytes(UnsafeBufferPointer(rebasing: buf[r.lowerBound..<r.upperBound]))
        }
    }
}
