import CollectorCore
import Foundation
import NIOPosix
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
// Writing: one writer at a time, and never on the caller's thread. An append queues its record and
// waits; the append that finds no writer at work leads a round in its own task: it takes every record
// queued by then, writes them into the active segment with one `pwrite` per segment touched, syncs once
// if the policy asks, writes the commit file if acknowledgements moved the commit point, all on the
// blocking-I/O pool, then answers the appends of the round and hands the lead to the first append that
// queued meanwhile. The lock guards only the bookkeeping; no file is read or written while it is held.
//
// Durability (`fsync`): `always` and `batch` (the default) answer an append only after a sync that
// covers its record (group commit: one sync serves every record of a round); `batch` with an
// `fsync_interval` starts rounds at most that often, so more appends share each sync; `never` leaves it
// to the kernel: a killed process loses nothing (the data is in the page cache), a crashed machine may
// lose the last seconds.

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

    /// An append waiting for the writer.
    struct Job {
        let id: UInt64
        let payload: [UInt8]
        let spans: Int
        let waiter: CheckedContinuation<Turn, Never>
    }

    /// A waiting append's answer: its record's sequence number (or why it has none), or the lead of
    /// the next round.
    enum Turn { case done(Result<UInt64, DiskQueueError>), lead(UInt64) }

    struct State {
        var segments: [Segment] = []
        /// Written records above `committed`, in sequence order.
        var entries: [Entry] = []
        var acked: Set<UInt64> = []
        var committed: UInt64 = 0
        /// What the commit file holds; segments are deleted behind it only.
        var fileCommitted: UInt64 = 0
        /// The last commit point a round tried and failed to write (not retried until it moves).
        var failedCommit: UInt64 = 0
        /// A failed commit-file write, reported by the next `ack`.
        var commitError: DiskQueueError?
        var nextSeq: UInt64 = 1
        /// Bytes of records not yet committed, counting queued appends.
        var liveBytes = 0
        /// Written records not acknowledged, and those of them not handed out.
        var liveRecords = 0
        var pendingRecords = 0
        var pendingSpans = 0
        var stats = Stats()
        var closed = false
        /// Appends waiting for a round, oldest first.
        var jobs: [Job] = []
        var nextJobID: UInt64 = 0
        /// A writer (an append, or an `ack` moving the commit point) is leading rounds.
        var writing = false
        /// A round's I/O is under way; `close` waits for it.
        var inRound = false
        var roundEnded: [CheckedContinuation<Void, Never>] = []
        var lastRoundStart: ContinuousClock.Instant?
        /// The leader waiting out the spacing, and whether it has been woken (by the time or by `close`).
        var leaderWaiting = false
        var leaderWake: CheckedContinuation<Void, Never>?
        var leaderWoken = false
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

    /// Appends a record and returns its sequence number once it is as durable as the `fsync` policy
    /// makes it.
    public func append(_ payload: [UInt8], spans: Int) async throws(DiskQueueError) -> UInt64 {
        let turn = await withCheckedContinuation { (c: CheckedContinuation<Turn, Never>) in
            let answer = state.withLock { s -> Turn? in
                do throws(DiskQueueError) { try admit(&s, bytes: Self.headerSize + payload.count) } catch { return .done(.failure(error)) }
                s.nextJobID += 1
                s.jobs.append(Job(id: s.nextJobID, payload: payload, spans: spans, waiter: c))
                if s.writing { return nil }
                s.writing = true
                return .lead(s.nextJobID)
            }
            if let answer { c.resume(returning: answer) }
        }
        switch turn {
        case .done(let result): return try result.get()
        case .lead(let me): return try await lead(me).get()
        }
    }

    /// Makes room for a record: refuses it when full, or drops the oldest unsent records to fit it.
    private func admit(_ s: inout State, bytes size: Int) throws(DiskQueueError) {
        guard !s.closed else { throw .io("closed") }
        if s.liveBytes + size > config.maxBytes {
            guard config.dropOldest else { throw .full(limitBytes: config.maxBytes) }
            // Oldest unsent first; records out with an exporter now finish their attempt.
            var i = 0
            while s.liveBytes + size > config.maxBytes, i < s.entries.count {
                if !s.entries[i].handedOut && !s.acked.contains(s.entries[i].seq) {
                    s.stats.droppedOldestRecords += 1
                    s.stats.droppedOldestSpans += s.entries[i].spans
                    markAcked(&s, i)
                }
                i += 1
            }
            guard s.liveBytes + size <= config.maxBytes else { throw .full(limitBytes: config.maxBytes) }
            advanceCommit(&s)
        }
        s.liveBytes += size
    }

    /// Writes the commit point, syncs and closes the files; what was not acknowledged is delivered after
    /// the next open. Appends still waiting are refused (their records were not written). A failed
    /// sync or commit write is thrown.
    public func close() async throws(DiskQueueError) {
        let already = state.withLock { s -> Bool in
            defer { s.closed = true }
            return s.closed
        }
        guard !already else { return }
        wakeLeader()
        // A round under way finishes its I/O first; a later one finds the queue closed and does none.
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let running = state.withLock { s -> Bool in
                if s.inRound { s.roundEnded.append(c) }
                return s.inRound
            }
            if !running { c.resume() }
        }
        let (segments, commit, written) = state.withLock { s in
            (s.segments, s.committed > s.fileCommitted ? s.committed : nil, s.nextSeq - 1)
        }
        let finish = { @Sendable () -> Result<Void, DiskQueueError> in
            var result: Result<Void, DiskQueueError> = .success(())
            if let commit {
                do throws(DiskQueueError) { try self.writeCommit(commit) } catch { result = .failure(error) }
            }
            if self.config.fsync != .never, let active = segments.last, self.syncFile(active.fd) != 0 {
                result = .failure(.io("fsync failed: \(String(cString: strerror(errno)))"))
            }
            for seg in segments { Glibc.close(seg.fd) }
            return result
        }
        let result: Result<Void, DiskQueueError>
        do {
            result = try await NIOThreadPool.singleton.runIfActive(finish)
        } catch {
            // The pool has stopped: the files are still synced and closed, on this thread, once.
            result = finish()
        }
        state.withLock { s in
            if commit != nil, case .success = result { s.fileCommitted = s.committed }
            if config.fsync != .never, case .success = result { s.stats.durableThrough = max(s.stats.durableThrough, written) }
            s.segments = []
        }
        try result.get()
    }
}
