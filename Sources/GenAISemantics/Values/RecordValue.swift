import CollectorCore

/// A value in a Langfuse record. Attribute values stay references into the batch until an
/// exporter encodes them, so translation copies no prompt text and stringifies nothing up front.
public enum RecordValue: Sendable, Equatable {
    /// A value the translator built (rebuilt messages, parsed blobs, merged tool lists ...).
    case json(JSONValue)
    /// An attribute value exactly as sent.
    case attribute(AttributeValue)
    /// Langfuse's `metadata.attributes`: the span's attributes minus the excluded ones, each as text.
    case attributeTexts(AttributeSelection)
}

/// Some of one span's attributes: its slice minus the excluded absolute indices.
public struct AttributeSelection: Sendable, Equatable {
    public var slice: TableSlice
    public var excluded: [Int32]

    public init(slice: TableSlice, excluded: [Int32]) {
        self.slice = slice
        self.excluded = excluded
    }

    /// Indices to write, each paired with the index whose value it takes: a repeated key keeps
    /// its first position and its last value, as a JavaScript object assignment does. Linear in the
    /// span's attributes (a hash of the key past a few of them).
    public func entries(in batch: TraceBatch) -> [(position: Int, value: Int)] {
        let excludedSet: Set<Int32>? = excluded.count > 8 ? Set(excluded) : nil
        let kept = slice.range.filter { i in excludedSet.map { !$0.contains(Int32(i)) } ?? !excluded.contains(Int32(i)) }
        var out: [(position: Int, value: Int)] = []
        out.reserveCapacity(kept.count)
        if kept.count <= 16 {
            for (n, i) in kept.enumerated() {
                let key = batch.attributes[i].key
                if kept[..<n].contains(where: { batch.sameBytes(batch.attributes[$0].key, key) }) { continue }
                let last = kept[n...].last(where: { batch.sameBytes(batch.attributes[$0].key, key) }) ?? i
                out.append((i, last))
            }
            return out
        }
        // An open-addressing table of output slots keyed by the key bytes' hash, compared by bytes:
        // no string or dictionary per span.
        var size = 32
        while size < kept.count * 2 { size <<= 1 }
        let mask = size - 1
        var table = [Int32](repeating: -1, count: size)
        batch.bytes.withUnsafeBufferPointer { buf in
            for i in kept {
                let key = batch.attributes[i].key
                let h = AttributeSelection.hash(buf.baseAddress! + key.lowerBound, Int(key.count))
                var at = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
                while true {
                    let slot = Int(table[at])
                    if slot < 0 {
                        table[at] = Int32(out.count)
                        out.append((i, i))
                        break
                    }
                    if batch.sameBytes(batch.attributes[out[slot].position].key, key) {
                        out[slot].value = i
                        break
                    }
                    at = (at + 1) & mask
                }
            }
        }
        return out
    }

    /// A multiplicative hash of a key, eight bytes a step (keys are mostly 10–40 bytes long).
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h = 0x9E37_79B9_7F4A_7C15 &* UInt64(n &+ 1)
        var i = 0
        while i + 8 <= n {
            h = (h ^ UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            i += 8
        }
        var tail: UInt64 = 0
        while i < n {
            tail = tail << 8 | UInt64(p[i])
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 32)
    }
}

/// A metadata entry.
public struct RecordMember: Sendable, Equatable, KeyedMember {
    public var key: String
    public var value: RecordValue

    public init(_ key: String, _ value: RecordValue) {
        self.key = key
        self.value = value
    }
}

extension TraceBatch {
    /// A record value as a JSON document (tests and non-hot paths; encoders write directly).
    public func json(_ value: RecordValue) -> JSONValue {
        switch value {
        case .json(let j): return j
        case .attribute(let a): return jsonValue(a)
        case .attributeTexts(let selection):
            return .object(
                selection.entries(in: self).map {
                    JSONMember(string(attributes[$0.position].key), .string(stringified(attributes[$0.value].value)))
                })
        }
    }

    public func json(_ members: [RecordMember]) -> [JSONMember] {
        members.map { JSONMember($0.key, json($0.value)) }
    }
}
