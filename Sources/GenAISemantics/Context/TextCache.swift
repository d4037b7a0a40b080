import CollectorCore

/// A small direct-mapped cache from stored bytes to Strings, for one batch.
struct TextCache {
    static let slotCount = 64
    static let maxLength = 64

    private var slots = [(range: ByteRange, text: String)?](repeating: nil, count: TextCache.slotCount)

    mutating func text(_ r: ByteRange, in batch: TraceBatch) -> String {
        if r.count == 0 { return "" }
        if r.count > TextCache.maxLength { return batch.string(r) }
        let h =
            batch.bytes.withUnsafeBufferPointer {
                ByteKeyTable<Int>.hash(UnsafeBufferPointer(rebasing: $0[r.lowerBound..<r.upperBound]))
            } & (TextCache.slotCount - 1)
        if let slot = slots[h], batch.sameBytes(slot.range, r) { return slot.text }
        let text = batch.string(r)
        slots[h] = (r, text)
        return text
    }
}
