import CollectorCore

/// Which kind of trace record each trace id got in this batch: open addressing on the id's own
/// bits (ids are random), sized from the span count, so no hashing and no growth.
struct TraceKindTable {
    private var keys: [TraceID]
    private var kinds: [LangfuseTrace.Kind?]
    private let mask: Int

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: .zero, count: size)
        kinds = Array(repeating: nil, count: size)
        mask = size - 1
    }

    private func slot(_ id: TraceID) -> Int {
        var i = Int(truncatingIfNeeded: (id.low ^ (id.high &* 0x9E37_79B9_7F4A_7C15)) >> 7) & mask
        while kinds[i] != nil && keys[i] != id { i = (i + 1) & mask }
        return i
    }

    subscript(id: TraceID) -> LangfuseTrace.Kind? {
        get { kinds[slot(id)] }
        set {
            let i = slot(id)
            keys[i] = id
            kinds[i] = newValue
        }
    }
}
