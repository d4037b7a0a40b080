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
                var at = ByteKeyTable<Int>.hash(UnsafeBufferPointer(rebasing: buf[key.lowerBound..<key.upperBound])) & mask
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
