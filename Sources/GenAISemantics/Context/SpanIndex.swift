import CollectorCore

/// Where each known key sits in one span's attributes, built in a single pass, so every
/// precedence rule is an array lookup instead of a scan. Reused across spans (no allocation).
struct SpanIndex {
    static let keyCount = AttributeKey.allCases.count

    /// Absolute index into `TraceBatch.attributes`, or -1.
    private(set) var slots: [Int32] = Array(repeating: -1, count: SpanIndex.keyCount)
    private var touched: [Int32] = []
    /// (prefix family, absolute attribute index), in attribute order.
    private(set) var prefixed: [(family: UInt8, index: Int32)] = []
    /// Unknown keys under one of `MappingTables.metadataExcludedPrefixes` (absolute indices).
    private(set) var unknownExcluded: [Int32] = []
    /// The previous span's keys and their classification: spans of one instrumentation repeat
    /// the same keys in the same order, and a byte comparison is cheaper than a hash probe.
    private var previous: [(key: ByteRange, id: Int32?, family: Int?, excluded: Bool)] = []
    private var current: [(key: ByteRange, id: Int32?, family: Int?, excluded: Bool)] = []

    mutating func build(_ batch: TraceBatch, _ slice: TableSlice, classifier: KeyClassifier) {
        for t in touched { slots[Int(t)] = -1 }
        touched.removeAll(keepingCapacity: true)
        prefixed.removeAll(keepingCapacity: true)
        unknownExcluded.removeAll(keepingCapacity: true)
        swap(&previous, &current)
        current.removeAll(keepingCapacity: true)
        let base = Int(slice.start)
        batch.bytes.withUnsafeBufferPointer { store in
            for i in slice.range {
                let key = batch.attributes[i].key
                let n = i - base
                let id: Int32?, family: Int?, excluded: Bool
                if n < previous.count, batch.sameBytes(previous[n].key, key) {
                    (id, family, excluded) = (previous[n].id, previous[n].family, previous[n].excluded)
                } else {
                    let bytes = UnsafeBufferPointer(rebasing: store[key.lowerBound..<key.upperBound])
                    (id, family) = classifier.classifyWithFamily(bytes)
                    excluded = id == nil && family == nil && classifier.excludedFromMetadata(bytes)
                }
                current.append((key, id, family, excluded))
                if excluded { unknownExcluded.append(Int32(i)) }
                if let id {
                    if slots[Int(id)] < 0 { touched.append(id) }
                    slots[Int(id)] = Int32(i)  // a repeated key: the last one wins
                }
                if let family {
                    prefixed.append((UInt8(family), Int32(i)))
                }
            }
        }
    }

    @inline(__always)
    func index(_ key: AttributeKey) -> Int? {
        let i = slots[key.ordinal]
        return i < 0 ? nil : Int(i)
    }

    /// Calls `body` with each known key present (its `AttributeKey` ordinal) and its position.
    func forEachKnown(_ body: (_ key: Int, _ index: Int32) -> Void) {
        for t in touched { body(Int(t), slots[Int(t)]) }
    }

    func family(_ family: AttributeKeyPrefix) -> [Int] {
        let id = UInt8(family.ordinal)
        return prefixed.compactMap { $0.family == id ? Int($0.index) : nil }
    }

    func hasFamily(_ family: AttributeKeyPrefix) -> Bool {
        let id = UInt8(family.ordinal)
        return prefixed.contains { $0.family == id }
    }
}

extension AttributeKey {
    /// Position in `allCases`: a field-less enum is stored as its case index.
    @inline(__always)
    var ordinal: Int { Int(unsafeBitCast(self, to: UInt8.self)) }
}

extension AttributeKeyPrefix {
    @inline(__always)
    var ordinal: Int { Int(unsafeBitCast(self, to: UInt8.self)) }
}
