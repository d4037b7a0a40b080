import CollectorCore
import ComponentModel
import Synchronization

/// The trace rows an exporter wrote recently, so the next update of a trace merges into the whole
/// row instead of replacing it (Langfuse's worker keeps the same state for 10 minutes). Bounded by
/// age (`ttl` since the last write, on the injected clock) and by bytes (least recently used first).
final class TraceRowCache: Sendable {
    struct Limits: Sendable, Equatable {
        var ttl: Duration
        var maxBytes: Int
    }

    private struct Slot {
        var row: TraceRow
        var bytes: Int
        var expires: Duration
        var older: Int  // towards the least recently used; -1 at the end
        var newer: Int
    }

    private struct State {
        var index: [TraceID: Int] = [:]
        var slots: [Slot] = []
        var free: [Int] = []
        var newest = -1
        var oldest = -1
        var bytes = 0
    }

    struct Outcome: Sendable {
        /// Rows to write: changed, or new with content, each with its `event_ts`.
        var write: [TraceRow] = []
        /// Every trace of the batch as it stands now (for `events_full`'s trace columns).
        var merged: [TraceID: TraceRow] = [:]
        var hits = 0, unchanged = 0, evicted = 0
    }

    let limits: Limits
    private let time: Timeline
    private let state = Mutex(State())

    init(limits: Limits, time: Timeline) {
        self.limits = limits
        self.time = time
    }

    var count: Int { state.withLock { $0.index.count } }
    var bytes: Int { state.withLock { $0.bytes } }

    /// The ids it does not hold (or holds expired): those whose stored rows must be read.
    func missing(_ ids: [TraceID]) -> [TraceID] {
        let now = time.now()
        return state.withLock { s in ids.filter { id in s.index[id].map { s.slots[$0].expires <= now } ?? true } }
    }

    /// Folds each update over the newest row known (this cache first: it is never older than what
    /// was read back, which another export may have overtaken meanwhile), keeps the results, and
    /// says which rows to write. `event_ts` moves past the base row's.
    func apply(_ updates: [TraceRow], stored: [TraceID: TraceRow], nowMillis: Int64) -> Outcome {
        let now = time.now()
        var out = Outcome()
        state.withLock { s in
            for update in updates {
                var base: TraceRow?
                if let i = s.index[update.id], s.slots[i].expires > now {
                    base = s.slots[i].row
                    out.hits += 1
                } else {
                    base = stored[update.id]
                }
                var row = TraceRow.merge(base, update)
                row.eventMillis = max(nowMillis, (base?.eventMillis ?? 0) + 1)
                if let base, base.hasContent, base.sameContent(as: row) {
                    row.eventMillis = base.eventMillis
                    out.unchanged += 1
                } else if row.hasContent {
                    out.write.append(row)
                }
                out.merged[row.id] = row
                // Only rows with content are kept: "no row" is known only for the ids that were read
                // back, and a minimal record's trace may well have a stored row nobody read.
                if limits.ttl > .zero && row.hasContent { out.evicted += Self.put(row, expires: now + limits.ttl, limit: limits.maxBytes, &s) }
            }
            out.evicted += Self.dropExpired(now, &s)
        }
        return out
    }

    /// Forgets these traces (their write failed): the next update reads what was stored.
    func forget(_ ids: [TraceID]) {
        state.withLock { s in for id in ids { if let i = s.index[id] { Self.remove(i, &s) } } }
    }

    // MARK: the list

    private static func put(_ row: TraceRow, expires: Duration, limit: Int, _ s: inout State) -> Int {
        if let i = s.index[row.id] { remove(i, &s) }
        let bytes = row.approximateBytes
        guard bytes <= limit else { return 1 }  // larger than the whole cache: not kept
        var evicted = 0
        while s.bytes + bytes > limit, s.oldest >= 0 {
            remove(s.oldest, &s)
            evicted += 1
        }
        let slot = Slot(row: row, bytes: bytes, expires: expires, older: s.newest, newer: -1)
        let i: Int
        if let f = s.free.popLast() { i = f; s.slots[i] = slot } else { i = s.slots.count; s.slots.append(slot) }
        if s.newest >= 0 { s.slots[s.newest].newer = i }
        s.newest = i
        if s.oldest < 0 { s.oldest = i }
        s.index[row.id] = i
        s.bytes += bytes
        return evicted
    }

    /// Rows are kept in write order and every write renews the expiry, so the expired ones are the
    /// oldest.
    private static func dropExpired(_ now: Duration, _ s: inout State) -> Int {
        var n = 0
        while s.oldest >= 0, s.slots[s.oldest].expires <= now {
            remove(s.oldest, &s)
            n += 1
        }
        return n
    }

    private static func remove(_ i: Int, _ s: inout State) {
        let slot = s.slots[i]
        if slot.older >= 0 { s.slots[slot.older].newer = slot.newer } else { s.oldest = slot.newer }
        if slot.newer >= 0 { s.slots[slot.newer].older = slot.older } else { s.newest = slot.older }
        s.index[slot.row.id] = nil
        s.bytes -= slot.bytes
        // The slot's strings are released now, not when the slot is reused.
        s.slots[i].row = TraceRow(id: .zero, timestampMillis: 0, environment: "")
        s.free.append(i)
    }
}
