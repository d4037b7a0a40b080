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
//   `commit.tmp`, synced, renamed).
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

        public init(directory: String, maxBytes: Int = 1 << 30, segmentBytes: Int = 16 << 20, fsync: Fsync = .batch(.zero),
                    dropOldest: Bool = false) {
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
        var syncWaiters: [CheckedContinuation<Result<Void, DiskQueueError>, Never>] = []
        var syncScheduled = false
    }

    public let config: Config
    let state = Mutex(State())

    public init(_ config: Config) throws(DiskQueueError) {
        self.config = config
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
        // Group commit: the first append with no sync under way leads one; appends that come during
        // it wait for the next, which starts as soon as it ends (or `spacing` after it began).
        let result = await withCheckedContinuation { (c: CheckedContinuation<Result<Void, DiskQueueError>, Never>) in
            let lead = state.withLock { s -> Bool in
                s.syncWaiters.append(c)
                defer { s.syncScheduled = true }
                return !s.syncScheduled
            }
            if lead { Task { await self.syncRounds(spacing) } }
        }
        try result.get()
        return seq
    }

    private func syncRounds(_ spacing: Duration) async {
        var last = ContinuousClock.now - spacing
        while true {
            // Wait out the spacing first, so the appends that arrive meanwhile share this sync.
            let next = last + spacing
            if next > .now { try? await Task.sleep(until: next, clock: .continuous) }
            let (waiters, fd) = state.withLock { s -> ([CheckedContinuation<Result<Void, DiskQueueError>, Never>], Int32?) in
                defer { s.syncWaiters = [] }
                if s.syncWaiters.isEmpty { s.syncScheduled = false }
                return (s.syncWaiters, s.closed ? nil : s.segments.last?.fd)
            }
            if waiters.isEmpty { return }
            last = .now
            // Every waiter's record was written before it registered, so this sync covers it (a
            // segment that rolled meanwhile was synced when it rolled).
            let synced = fd.map { fdatasync($0) == 0 } ?? true
            let result: Result<Void, DiskQueueError> = synced ? .success(()) : .failure(.io("fsync failed: \(String(cString: strerror(errno)))"))
            for w in waiters { w.resume(returning: result) }
        }
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
        s.entries.append(Entry(seq: seq, segment: segment.first, offset: segment.size + Self.headerSize, length: payload.count,
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

    /// Syncs and closes the files; what was not acknowledged is delivered after the next open.
    public func close() {
        let waiters = state.withLock { s -> [CheckedContinuation<Result<Void, DiskQueueError>, Never>] in
            guard !s.closed else { return [] }
            if config.fsync != .never { try? syncActive(&s) }
            for seg in s.segments { Glibc.close(seg.fd) }
            s.closed = true
            defer { s.syncWaiters = [] }
            return s.syncWaiters
        }
        for w in waiters { w.resume(returning: .success(())) }
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
        // Whole segments behind the commit point go, but never the one being appended to.
        while s.segments.count > 1, s.segments[0].last <= committed {
            let seg = s.segments.removeFirst()
            Glibc.close(seg.fd)
            unlink(segmentPath(seg.first))
        }
    }

    // MARK: files

    func segmentPath(_ first: UInt64) -> String {
        let digits = String(first)
        return config.directory + "/seg-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".wal"
    }

    private func openSegment(_ s: inout State, first: UInt64) throws(DiskQueueError) {
        let path = segmentPath(first)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("cannot create \(path): \(String(cString: strerror(errno)))") }
        _ = ftruncate(fd, 0)
        try Self.pwriteAll(fd, Self.fileHeader, at: 0)
        s.segments.append(Segment(first: first, fd: fd, size: Self.fileHeader.count, last: first &- 1))
        if config.fsync != .never { Self.syncDirectory(config.directory) }
    }

    private func syncActive(_ s: inout State) throws(DiskQueueError) {
        guard let seg = s.segments.last else { return }
        guard fdatasync(seg.fd) == 0 else { throw .io("fsync failed: \(String(cString: strerror(errno)))") }
    }

    private func writeCommit(_ seq: UInt64) throws(DiskQueueError) {
        var bytes = [UInt8](repeating: 0, count: 12)
        Self.put(&bytes, 0, seq)
        Self.put32(&bytes, 8, CRC32C.checksum(Array(bytes[0..<8])))
        let tmp = config.directory + "/commit.tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("cannot write \(tmp): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        try Self.pwriteAll(fd, bytes, at: 0)
        if config.fsync != .never { _ = fdatasync(fd) }
        guard rename(tmp, config.directory + "/commit") == 0 else { throw .io("cannot replace the commit file: \(String(cString: strerror(errno)))") }
    }

    private func readCommit() -> UInt64 {
        guard let data = FileManager.default.contents(atPath: config.directory + "/commit"), data.count == 12 else { return 0 }
        let bytes = [UInt8](data)
        guard CRC32C.checksum(Array(bytes[0..<8])) == Self.get32(bytes, 8) else { return 0 }
        return Self.get(bytes, 0)
    }

    /// Rebuilds the state from the files (see the design comment above).
    private func recover(_ s: inout State) throws(DiskQueueError) {
        s.committed = readCommit()
        s.nextSeq = s.committed + 1
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: config.directory)) ?? [])
            .filter { $0.hasPrefix("seg-") && $0.hasSuffix(".wal") }.sorted()
        for (n, name) in names.enumerated() {
            guard let first = UInt64(name.dropFirst(4).dropLast(4)) else { continue }
            let path = config.directory + "/" + name
            let fd = open(path, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
            let bytes = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
            let newest = n == names.count - 1
            let h = Self.fileHeader.count
            if bytes.count < h && newest && Array(bytes) == Array(Self.fileHeader.prefix(bytes.count)) {
                // Created, then cut short by a crash inside its header: no record was in it.
                _ = ftruncate(fd, 0)
                try Self.pwriteAll(fd, Self.fileHeader, at: 0)
                s.segments.append(Segment(first: first, fd: fd, size: h, last: first &- 1))
                continue
            }
            guard bytes.count >= h, Array(bytes[0..<6]) == Array(Self.fileHeader[0..<6]) else {
                Glibc.close(fd)
                throw .io("\(path) is not a genai-collector queue segment; move it away to start")
            }
            let version = UInt16(bytes[6]) | UInt16(bytes[7]) << 8
            guard version == Self.formatVersion else {
                Glibc.close(fd)
                throw .io("\(path) has queue format \(version); this build reads format \(Self.formatVersion) (start the version that wrote it to drain the queue)")
            }
            var seg = Segment(first: first, fd: fd, size: h, last: first &- 1)
            var offset = h
            var validEnd = h
            while offset < bytes.count {
                if let r = Self.parse(bytes, at: offset) {
                    if r.seq > s.committed {
                        s.entries.append(Entry(seq: r.seq, segment: first, offset: offset + Self.headerSize, length: r.length,
                                               appendedAt: r.time, spans: r.spans))
                        s.liveBytes += Self.headerSize + r.length
                    }
                    seg.last = max(seg.last, r.seq)
                    s.nextSeq = max(s.nextSeq, r.seq + 1)
                    offset += Self.headerSize + r.length
                    validEnd = offset
                    continue
                }
                // A record that fails its CRC, or a partial one at the end (a torn write).
                s.stats.corruptSkipped += 1
                if offset + Self.headerSize <= bytes.count {
                    let next = offset + Self.headerSize + Int(Self.get32(bytes, offset))
                    if next + Self.headerSize <= bytes.count, Self.parse(bytes, at: next) != nil {
                        offset = next  // its length was intact: skip just this record
                        continue
                    }
                }
                break
            }
            if newest && validEnd < bytes.count { _ = ftruncate(fd, off_t(validEnd)) }
            seg.size = newest ? validEnd : bytes.count
            s.segments.append(seg)
        }
        s.entries.sort { $0.seq < $1.seq }
        s.stats.replayed = s.entries.count
        // Segments wholly behind the commit point (a crash between commit and delete).
        while s.segments.count > 1, s.segments[0].last <= s.committed {
            let seg = s.segments.removeFirst()
            Glibc.close(seg.fd)
            unlink(segmentPath(seg.first))
        }
    }

    /// A valid record at `offset`: its sequence number, time, span count and payload length.
    static func parse(_ bytes: [UInt8], at offset: Int) -> (seq: UInt64, time: Int64, spans: Int, length: Int)? {
        guard offset + headerSize <= bytes.count else { return nil }
        let length = Int(get32(bytes, offset))
        guard length <= bytes.count - offset - headerSize else { return nil }
        let crc = bytes.withUnsafeBytes { CRC32C.update(0, UnsafeRawBufferPointer(rebasing: $0[(offset + 8)..<(offset + headerSize + length)])) }
        guard crc == get32(bytes, offset + 4) else { return nil }
        return (get(bytes, offset + 8), Int64(bitPattern: get(bytes, offset + 16)), Int(get32(bytes, offset + 24)), length)
    }

    // MARK: bytes

    static func put(_ b: inout [UInt8], _ at: Int, _ v: UInt64) {
        for i in 0..<8 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
    }

    static func put32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
        for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }

    static func get(_ b: [UInt8], _ at: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(b[at + i]) << (8 * UInt64(i)) }
        return v
    }

    static func get32(_ b: [UInt8], _ at: Int) -> UInt32 {
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(b[at + i]) << (8 * UInt32(i)) }
        return v
    }

    static func pwriteAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int) throws(DiskQueueError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    static func preadAll(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Bool {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    static func makeDirectory(_ path: String) throws(DiskQueueError) {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw .io("cannot create \(path): \(error)")
        }
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        Glibc.close(fd)
    }
}
