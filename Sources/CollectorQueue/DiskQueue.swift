import CollectorCore
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// The persistent write-ahead queue behind `sending_queue.storage: disk`.
//
// Files, in the queue's own directory:
// - `seg-<first seq, 20 digits>.wal`: an 8-byte file header (`GCWAL`, a zero byte, the format version
//   u16 little-endian, now 1), then records back to back. A record is a 28-byte header
//   (little-endian: payload length u32, CRC-32C u32, sequence number u64, append time in Unix
//   milliseconds u64, span count u32) and the payload. The CRC covers the header after itself (seq,
//   time, spans) and the payload, so a record is whole and its own, or it is rejected.
// - `commit`: the committed sequence number u64 and its CRC-32C u32, replaced atomically (written to
//   `commit.<random>`, synced, renamed; a leftover one is removed at recovery).
//
// Invariants:
// - Sequence numbers grow by one per record, across segments and restarts.
// - Every record with seq <= committed has been handled (sent, or dropped and counted) and is never
//   read again; every record above it is delivered after a restart, in order, whether or not it was
//   handed out before (at-least-once: an exporter writes idempotently).
// - `committed` only advances over a contiguous run of acknowledged records, so acknowledgements may
//   arrive out of order.
// - A segment is deleted once all its records are committed and it is not the one being appended to.
// - The queue's bound counts the bytes of records not yet committed.
//
// Recovery (at open): a segment of another format version stops the start with an error (never read
// as corrupt: that would discard it); a newest segment torn inside its file header holds no record and
// is rewritten empty. Segments are read in order and each record's CRC checked. A record that fails
// is counted as corrupt and skipped: when its length field still leads to a valid record, only it is
// skipped; otherwise the rest of that segment is (in the newest segment the file is cut there, so a
// torn write at a crash is removed before appends resume). Records before a bad one are never lost.
//
// Durability (`fsync`): `always` syncs each record before its append returns; `batch` (the default)
// is group commit: an append waits for a sync that starts after its write, one sync serving every
// append that arrived meanwhile; syncs run back to back under load, or at most one per
// `fsync_interval` when that is set; `never` leaves it to the kernel: a
// killed process loses nothing (the data is in the page cache), a crashed machine may lose the last
// seconds.

/// Why the queue refused or failed; a full queue is pushback, not an error of the data.
public enum DiskQueueError: Error, Equatable, CustomStringConvertible {
    case full(limitBytes: Int)
    case io(String)

    public var description: String {
        switch self {
        case .full(let limit): return "persistent queue full (\(limit) bytes)"
        case .io(let m): return "persistent queue: \(m)"
        }
    }
}

public final class DiskQueue: Sendable {
    public enum Fsync: Sendable, Equatable {
        case always
        case batch(Duration)
        case never
    }

    public struct Config: Sendable, Equatable {
        public var directory: String
        public var maxBytes: Int
        public var segmentBytes: Int
        public var fsync: Fsync
        /// When full: refuse new records (pushback, the default), or drop the oldest unsent ones.
        public var dropOldest: Bool

        public init(
            directory: String, maxBytes: Int = 1 << 30, segmentBytes: Int = 16 << 20, fsync: Fsync = .batch(.zero),
            dropOldest: Bool = false
        ) {
            self.directory = directory
            self.maxBytes = maxBytes
            self.segmentBytes = segmentBytes
            self.fsync = fsync
            self.dropOldest = dropOldest
        }
    }

    public struct Record: Sendable, Equatable {
        public let seq: UInt64
        public let spans: Int
        public let appendedAtMillis: Int64
        public let payload: [UInt8]
    }

    /// What the metrics show.
    public struct Stats: Sendable, Equatable {
        public var records = 0
        public var bytes = 0
        public var oldestAppendMillis: Int64?
        /// Records found at open and delivered again.
        public var replayed = 0
        public var corruptSkipped = 0
        public var droppedOldestRecords = 0
        public var droppedOldestSpans = 0
        /// Every record up to this sequence number has been synced to disk: what an append may
        /// acknowledge under `fsync: always` or `batch`.
        public var durableThrough: UInt64 = 0
    }

    static let headerSize = 28
    /// `GCWAL`, 0, format version (u16 LE).
    static let formatVersion: UInt16 = 1
    static let fileHeader: [UInt8] = Array("GCWAL".utf8) + [0, UInt8(formatVersion & 0xFF), UInt8(formatVersion >> 8)]

    struct Entry {
        var seq: UInt64
        var segment: UInt64
        var offset: Int
        var length: Int
        var appendedAt: Int64
        var spans: Int
        var handedOut = false
    }

    struct Segment {
        var first: UInt64
        var fd: Int32
        var size: Int
        var last: UInt64
    }

    struct State {
        var segments: [Segment] = []
        /// Records above `committed`, in sequence order.
        var entries: [Entry] = []
        var acked: Set<UInt64> = []
        var committed: UInt64 = 0
        var nextSeq: UInt64 = 1
        var liveBytes = 0
        var stats = Stats()
        var closed = false
        /// Group sync: appends waiting for the next sync, and whether one is scheduled.
        var syncWaiters: [CheckedContinuation<SyncTurn, Never>] = []
        /// An append is leading a sync round (its waiters are in `syncWaiters`).
        var syncLeader = false
        /// The leader is waiting out the spacing before it syncs.
        var leaderWaiting = false
        var lastSyncStart: ContinuousClock.Instant?
        /// The leader waiting out the spacing, and whether it has been woken (by the time or by `close`).
        var leaderWake: CheckedContinuation<Void, Never>?
        var leaderWoken = false
        /// Set by `close`: the answer of a round that finds the queue closed.
        var closeResult: Result<Void, DiskQueueError>?
    }

    public let config: Config
    let state = Mutex(State())

    /// `fdatasync`, unless a test makes it fail.
    let syncFile: @Sendable (Int32) -> Int32

    public convenience init(_ config: Config) throws(DiskQueueError) {
        try self.init(config, syncFile: { fdatasync($0) })
    }

    init(_ config: Config, syncFile: @escaping @Sendable (Int32) -> Int32) throws(DiskQueueError) {
        self.config = config
        self.syncFile = syncFile
        try DiskQueue.makeDirectory(config.directory)
        try state.withLock { s throws(DiskQueueError) in try recover(&s) }
    }

    // MARK: appending

    /// Appends a record and returns once it is as durable as the `fsync` policy makes it.
    public func append(_ payload: [UInt8], spans: Int) async throws(DiskQueueError) -> UInt64 {
        let seq = try state.withLock { s throws(DiskQueueError) -> UInt64 in
            let seq = try write(&s, payload, spans: spans)
            if config.fsync == .always { try syncActive(&s) }
            return seq
        }
        guard case .batch(let spacing) = config.fsync else { return seq }
        // Group commit: an append with no sync under way leads a round, in its own task; appends
        // that come during it wait, and the first of them leads the next round, which covers them all.
        let turn = await withCheckedContinuation { (c: CheckedContinuation<SyncTurn, Never>) in
            let lead = state.withLock { s -> Bool in
                if s.syncLeader { s.syncWaiters.append(c) }
                defer { s.syncLeader = true }
                return !s.syncLeader
            }
            if lead { c.resume(returning: .lead) }
        }
        switch turn {
        case .done(let result): try result.get()
        case .lead: try await syncRound(spacing).get()
        }
        return seq
    }

    private func write(_ s: inout State, _ payload: [UInt8], spans: Int) throws(DiskQueueError) -> UInt64 {
        guard !s.closed else { throw .io("closed") }
        let size = Self.headerSize + payload.count
        if s.liveBytes + size > config.maxBytes {
            guard config.dropOldest else { throw .full(limitBytes: config.maxBytes) }
            // Oldest unsent first; records out with an exporter now finish their attempt.
            var i = 0
            while s.liveBytes + size > config.maxBytes, i < s.entries.count {
                if !s.entries[i].handedOut && !s.acked.contains(s.entries[i].seq) {
                    s.stats.droppedOldestRecords += 1
                    s.stats.droppedOldestSpans += s.entries[i].spans
                    s.acked.insert(s.entries[i].seq)
                    s.liveBytes -= Self.headerSize + s.entries[i].length
                }
                i += 1
            }
            guard s.liveBytes + size <= config.maxBytes else { throw .full(limitBytes: config.maxBytes) }
            try advanceCommit(&s)
        }
        if s.segments.isEmpty || s.segments[s.segments.count - 1].size >= config.segmentBytes {
            if !s.segments.isEmpty, config.fsync != .never { try syncActive(&s) }
            try openSegment(&s, first: s.nextSeq)
        }
        let seq = s.nextSeq
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var header = [UInt8](repeating: 0, count: Self.headerSize)
        Self.put(&header, 8, seq)
        Self.put(&header, 16, UInt64(bitPattern: now))
        Self.put32(&header, 24, UInt32(clamping: spans))
        var crc = header.withUnsafeBytes { CRC32C.update(0, UnsafeRawBufferPointer(rebasing: $0[8...])) }
        crc = payload.withUnsafeBytes { CRC32C.update(crc, $0) }
        Self.put32(&header, 0, UInt32(payload.count))
        Self.put32(&header, 4, crc)
        var segment = s.segments[s.segments.count - 1]
        try Self.pwriteAll(segment.fd, header, at: segment.size)
        try Self.pwriteAll(segment.fd, payload, at: segment.size + Self.headerSize)
        s.entries.append(
            Entry(
                seq: seq, segment: segment.first, offset: segment.size + Self.headerSize, length: payload.count,
                appendedAt: now, spans: spans))
        segment.size += size
        segment.last = seq
        s.segments[s.segments.count - 1] = segment
        s.nextSeq += 1
        s.liveBytes += size
        return seq
    }

    // MARK: reading and acknowledging

    /// Records waiting to be handed out: how many, their spans, and the oldest one's append time.
    public var pending: (records: Int, spans: Int, oldestMillis: Int64?) {
        state.withLock { s in
            var records = 0, spans = 0
            var oldest: Int64?
            for e in s.entries where !e.handedOut && !s.acked.contains(e.seq) {
                records += 1
                spans += e.spans
                oldest = oldest ?? e.appendedAt
            }
            return (records, spans, oldest)
        }
    }

    /// Up to `max` records not yet handed out (stopping once `maxSpans` spans are reached), oldest
    /// first, marked as handed out.
    public func next(max: Int, maxSpans: Int = .max) -> [Record] {
        state.withLock { s in
            var out: [Record] = []
            var spans = 0
            for i in s.entries.indices where !s.entries[i].handedOut && !s.acked.contains(s.entries[i].seq) {
                guard out.count < max, spans < maxSpans else { break }
                spans += s.entries[i].spans
                s.entries[i].handedOut = true
                let e = s.entries[i]
                guard let fd = s.segments.first(where: { $0.first == e.segment })?.fd else { continue }
                var payload = [UInt8](repeating: 0, count: e.length)
                let ok = payload.withUnsafeMutableBytes { Self.preadAll(fd, $0, at: e.offset) }
                guard ok else { continue }  // unreadable now: stays on disk, read again after a restart
                out.append(Record(seq: e.seq, spans: e.spans, appendedAtMillis: e.appendedAt, payload: payload))
            }
            return out
        }
    }

    /// Records handed out whose sending failed for now: handed out again by `next`.
    public func release(_ seqs: [UInt64]) {
        let set = Set(seqs)
        state.withLock { s in
            for i in s.entries.indices where set.contains(s.entries[i].seq) { s.entries[i].handedOut = false }
        }
    }

    /// Records that are done (sent, or dropped and counted): never delivered again.
    public func ack(_ seqs: [UInt64]) throws(DiskQueueError) {
        try state.withLock { s throws(DiskQueueError) in
            for seq in seqs where seq > s.committed && !s.acked.contains(seq) {
                s.acked.insert(seq)
                if let e = s.entries.first(where: { $0.seq == seq }) { s.liveBytes -= Self.headerSize + e.length }
            }
            try advanceCommit(&s)
        }
    }

    public var stats: Stats {
        state.withLock { s in
            var st = s.stats
            let live = s.entries.filter { !s.acked.contains($0.seq) }
            st.records = live.count
            st.bytes = s.liveBytes
            st.oldestAppendMillis = live.first?.appendedAt
            return st
        }
    }

    /// Appends waiting for the next group sync.
    var waitingForSync: Int { state.withLock { $0.syncWaiters.count + ($0.leaderWaiting ? 1 : 0) } }

    /// Syncs and closes the files; what was not acknowledged is delivered after the next open. A
    /// failed sync is the answer of every append still waiting for one (their records may not be on
    /// disk), and is thrown.
    public func close() throws(DiskQueueError) {
        let (waiters, result) = state.withLock { s -> ([CheckedContinuation<SyncTurn, Never>], Result<Void, DiskQueueError>) in
            guard !s.closed else { return ([], .success(())) }
            var result: Result<Void, DiskQueueError> = .success(())
            if config.fsync != .never {
                do throws(DiskQueueError) { try syncActive(&s) } catch { result = .failure(error) }
            }
            for seg in s.segments { Glibc.close(seg.fd) }
            s.closed = true
            s.closeResult = result
            defer { s.syncWaiters = [] }
            return (s.syncWaiters, result)
        }
        for w in waiters { w.resume(returning: .done(result)) }
        wakeLeader()
        try result.get()
    }

    private func advanceCommit(_ s: inout State) throws(DiskQueueError) {
        var committed = s.committed
        while s.acked.contains(committed + 1) {
            committed += 1
            s.acked.remove(committed)
        }
        guard committed != s.committed else { return }
        s.committed = committed
        let drop = s.entries.prefix { $0.seq <= committed }.count
        s.entries.removeFirst(drop)
        try writeCommit(committed)
        deleteCommittedSegments(&s)
    }
}
