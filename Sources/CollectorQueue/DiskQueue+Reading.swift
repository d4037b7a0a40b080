import CollectorCore
import Foundation
import NIOPosix
import Synchronization

// Reading, acknowledging and the counts: bookkeeping under the lock, reads on the blocking-I/O pool.
extension DiskQueue {
    // MARK: reading and acknowledging

    /// Records waiting to be handed out: how many, their spans, and the oldest one's append time.
    public var pending: (records: Int, spans: Int, oldestMillis: Int64?) {
        state.withLock { s in
            guard s.pendingRecords > 0 else { return (0, 0, nil) }
            let oldest = s.entries.first { !$0.handedOut && !s.acked.contains($0.seq) }?.appendedAt
            return (s.pendingRecords, s.pendingSpans, oldest)
        }
    }

    /// Up to `max` records not yet handed out (stopping once `maxSpans` spans are reached), oldest
    /// first, marked as handed out. They are read on the blocking-I/O pool.
    public func next(max: Int, maxSpans: Int = .max) async -> [Record] {
        let picked = state.withLock { s -> [(entry: Entry, fd: Int32)] in
            var out: [(entry: Entry, fd: Int32)] = []
            var spans = 0
            for i in s.entries.indices where !s.entries[i].handedOut && !s.acked.contains(s.entries[i].seq) {
                guard out.count < max, spans < maxSpans else { break }
                let e = s.entries[i]
                guard let fd = s.segments.first(where: { $0.first == e.segment })?.fd else { continue }
                spans += e.spans
                s.entries[i].handedOut = true
                s.pendingRecords -= 1
                s.pendingSpans -= e.spans
                out.append((e, fd))
            }
            return out
        }
        guard !picked.isEmpty else { return [] }
        let read: [Record?]
        do {
            read = try await NIOThreadPool.singleton.runIfActive {
                picked.map { p in
                    var payload = [UInt8](repeating: 0, count: p.entry.length)
                    let ok = payload.withUnsafeMutableBytes { Self.preadAll(p.fd, $0, at: p.entry.offset) }
                    return ok ? Record(seq: p.entry.seq, spans: p.entry.spans, appendedAtMillis: p.entry.appendedAt, payload: payload) : nil
                }
            }
        } catch {
            // The pool has stopped (the process is shutting down): nothing was read, and every record
            // is handed out again, by this process's successor if not by it.
            release(picked.map(\.entry.seq))
            return []
        }
        // An unreadable record stays handed out: on disk, and read again after a restart.
        return read.compactMap { $0 }
    }

    /// Records handed out whose sending failed for now: handed out again by `next`.
    public func release(_ seqs: [UInt64]) {
        state.withLock { s in
            for seq in seqs {
                guard let i = index(s, seq), s.entries[i].handedOut, !s.acked.contains(seq) else { continue }
                s.entries[i].handedOut = false
                s.pendingRecords += 1
                s.pendingSpans += s.entries[i].spans
            }
        }
    }

    /// Records that are done (sent, or dropped and counted): never delivered again. The commit file
    /// is written by the writer's next round (led here when no round is under way); a failed write of
    /// it is thrown by this call or the next.
    public func ack(_ seqs: [UInt64]) async throws(DiskQueueError) {
        let lead = state.withLock { s -> Bool in
            for seq in seqs where seq > s.committed && !s.acked.contains(seq) {
                if let i = index(s, seq) { markAcked(&s, i) }
            }
            advanceCommit(&s)
            guard !s.writing, !s.closed, s.committed > s.fileCommitted, s.committed != s.failedCommit else { return false }
            s.writing = true
            return true
        }
        // A commit-only round carries no append; a failed commit write surfaces through commitError.
        if lead { _ = await self.lead(0) }
        let failure = state.withLock { s -> DiskQueueError? in
            defer { s.commitError = nil }
            return s.commitError
        }
        if let failure { throw failure }
    }

    public var stats: Stats {
        state.withLock { s in
            var st = s.stats
            st.records = s.liveRecords
            st.bytes = s.liveBytes
            st.oldestAppendMillis = s.entries.first { !s.acked.contains($0.seq) }?.appendedAt
            return st
        }
    }

    /// Appends waiting for a round.
    var waitingForSync: Int { state.withLock { $0.jobs.count } }

    /// The index of record `seq` among the entries (they are in sequence order).
    func index(_ s: State, _ seq: UInt64) -> Int? {
        var lo = 0, hi = s.entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if s.entries[mid].seq < seq { lo = mid + 1 } else { hi = mid }
        }
        return lo < s.entries.count && s.entries[lo].seq == seq ? lo : nil
    }

    /// Counts entry `i` as done; its bytes leave the bound.
    func markAcked(_ s: inout State, _ i: Int) {
        let e = s.entries[i]
        s.acked.insert(e.seq)
        s.liveBytes -= Self.headerSize + e.length
        s.liveRecords -= 1
        if !e.handedOut {
            s.pendingRecords -= 1
            s.pendingSpans -= e.spans
        }
    }

    /// Moves the commit point over the acknowledged run after it; the writer's next round records it.
    func advanceCommit(_ s: inout State) {
        var committed = s.committed
        while s.acked.contains(committed + 1) {
            committed += 1
            s.acked.remove(committed)
        }
        guard committed != s.committed else { return }
        s.committed = committed
        let drop = s.entries.prefix { $0.seq <= committed }.count
        s.entries.removeFirst(drop)
    }
}
