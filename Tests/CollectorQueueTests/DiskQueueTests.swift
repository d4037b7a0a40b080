import CollectorCore
@testable import CollectorQueue
import Foundation
import TestSupport
import Synchronization
import Testing

/// The persistent queue against a trivial in-memory model: seeded random sequences of append, read,
/// acknowledge, release, crash (the instance is abandoned without closing) and reopen; plus torn and
/// corrupt files, the disk bound, and segment clean-up.
@Suite(.timeLimit(.minutes(5)))
struct DiskQueueTests {
    static func directory() -> String { NSTemporaryDirectory() + "genai-wal-\(UUID().uuidString)" }

    /// What the queue must deliver: records above the contiguous acknowledged prefix.
    struct Model {
        var records: [(seq: UInt64, payload: [UInt8])] = []
        var acked: Set<UInt64> = []
        var handedOut: Set<UInt64> = []
        var committed: UInt64 = 0

        var deliverable: [(seq: UInt64, payload: [UInt8])] {
            records.filter { $0.seq > committed && !acked.contains($0.seq) && !handedOut.contains($0.seq) }
        }

        mutating func ack(_ seqs: [UInt64]) {
            acked.formUnion(seqs)
            handedOut.subtract(seqs)
            while acked.contains(committed + 1) { committed += 1 }
        }

        /// After a crash or restart everything above the commit point comes back.
        mutating func restart() {
            handedOut = []
            acked = acked.filter { $0 <= committed }
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomSequencesMatchTheModel(_ seed: UInt64) async throws {
        var rng = SampleRNG(seed: seed)
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = DiskQueue.Config(directory: dir, maxBytes: 1 << 30, segmentBytes: 600, fsync: .never)
        var queue = try DiskQueue(config)
        var model = Model()
        for step in 0..<400 {
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<40:
                let payload = (0..<Int.random(in: 0...120, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let seq = try await queue.append(payload, spans: payload.count)
                #expect(seq == (model.records.last?.seq ?? model.committed) + 1, "step \(step)")
                model.records.append((seq, payload))
            case 40..<65:
                let k = Int.random(in: 1...4, using: &rng)
                let got = await queue.next(max: k)
                let want = Array(model.deliverable.prefix(k))
                #expect(got.map(\.seq) == want.map(\.seq), "step \(step)")
                #expect(got.map(\.payload) == want.map(\.payload), "step \(step)")
                #expect(got.map(\.spans) == want.map { $0.payload.count })
                model.handedOut.formUnion(got.map(\.seq))
            case 65..<85:
                let out = model.handedOut.sorted().filter { _ in Bool.random(using: &rng) }
                try await queue.ack(out)
                model.ack(out)
            case 85..<92:
                let out = model.handedOut.sorted().filter { _ in Bool.random(using: &rng) }
                queue.release(out)
                model.handedOut.subtract(out)
            case 92..<96:
                // A crash: the instance is dropped as it is (its writes are in the page cache).
                queue = try DiskQueue(config)
                model.restart()
            default:
                try await queue.close()
                queue = try DiskQueue(config)
                model.restart()
            }
            #expect(queue.stats.records == model.records.filter { $0.seq > model.committed && !model.acked.contains($0.seq) }.count, "step \(step)")
        }
        // Everything deliverable comes out, in order, after a last restart.
        try await queue.close()
        queue = try DiskQueue(config)
        model.restart()
        #expect(await queue.next(max: 10_000).map(\.seq) == model.deliverable.map(\.seq))
        #expect(queue.stats.corruptSkipped == 0)
    }

    func segments(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".wal") }.sorted()
    }

    /// The disk refuses the sync at close: the append waiting for that sync is told (its record may
    /// not be on disk), and close says so too. Nothing is acknowledged that was not synced.
    @Test func aFailedSyncAtCloseIsTheWaitersAnswer() async throws {
        let dir = NSTemporaryDirectory() + "genai-dq-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let failing = Mutex(false)
        let syncs = Mutex(0)
        let queue = try DiskQueue(DiskQueue.Config(directory: dir, fsync: .batch(.seconds(600)))) { fd in
            syncs.withLock { $0 += 1 }
            if failing.withLock({ $0 }) { errno = EIO; return -1 }
            return fdatasync(fd)
        }
        _ = try await queue.append([1, 2, 3], spans: 1)  // the first round syncs at once
        failing.withLock { $0 = true }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Waits for the next round, ten minutes away; close comes first and ends the wait.
                await #expect(throws: DiskQueueError.self) { _ = try await queue.append([4, 5, 6], spans: 1) }
            }
            #expect(try await eventually { queue.waitingForSync == 1 }, "the append waits for the next round")
            let before = syncs.withLock { $0 }
            await #expect(throws: DiskQueueError.self) { try await queue.close() }
            #expect(syncs.withLock { $0 } == before + 1, "close tried to sync")
            try await group.waitForAll()
        }
    }

    /// A directory that cannot be listed is not an empty queue.
    @Test func anUnreadableDirectoryIsAnError() throws {
        #expect(throws: DiskQueueError.self) { _ = try DiskQueue.list("/nonexistent/genai-queue") }
        #expect(try DiskQueue.list(NSTemporaryDirectory()).allSatisfy { $0 != "." && $0 != ".." })
    }

    @Test func aTornTailIsCutAndTheRecordsBeforeItSurvive() async throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = DiskQueue.Config(directory: dir, fsync: .always)
        var queue = try DiskQueue(config)
        for i in 1...5 { _ = try await queue.append(Array(repeating: UInt8(i), count: 50), spans: 1) }
        try await queue.close()
        let path = try dir + "/" + segments(dir)[0]
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(truncate(path, off_t(size - 3)) == 0)  // the last write was torn by a crash
        queue = try DiskQueue(config)
        #expect(await queue.next(max: 10).map(\.seq) == [1, 2, 3, 4])
        #expect(queue.stats.corruptSkipped == 1)
        // Appends continue after the cut, and the file stays readable.
        #expect(try await queue.append([9], spans: 1) == 5)
        try await queue.close()
        queue = try DiskQueue(config)
        #expect(await queue.next(max: 10).map(\.payload) == (1...4).map { Array(repeating: UInt8($0), count: 50) } + [[9]])
        #expect(queue.stats.corruptSkipped == 0)
    }

    @Test func aFlippedByteSkipsOnlyItsRecord() async throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = DiskQueue.Config(directory: dir, fsync: .never)
        var queue = try DiskQueue(config)
        for i in 1...5 { _ = try await queue.append(Array(repeating: UInt8(i), count: 50), spans: 1) }
        try await queue.close()
        let path = try dir + "/" + segments(dir)[0]
        var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        bytes[DiskQueue.fileHeader.count + 2 * (DiskQueue.headerSize + 50) + DiskQueue.headerSize + 10] ^= 0x40  // inside record 3's payload
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        queue = try DiskQueue(config)
        #expect(await queue.next(max: 10).map(\.seq) == [1, 2, 4, 5])
        #expect(queue.stats.corruptSkipped == 1)
    }

    @Test func segmentsCarryTheirFormatVersion() async throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = DiskQueue.Config(directory: dir, fsync: .never)
        var queue = try DiskQueue(config)
        _ = try await queue.append([1, 2, 3], spans: 1)
        try await queue.close()
        let path = try dir + "/" + segments(dir)[0]
        var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        #expect(Array(bytes.prefix(8)) == Array("GCWAL".utf8) + [0, 1, 0])
        // A queue written by a later format is refused with a clear error, never read as corrupt.
        bytes[6] = 2
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: DiskQueueError.io("\(path) has queue format 2; this build reads format 1 (start the version that wrote it to drain the queue)")) {
            _ = try DiskQueue(config)
        }
        // A newest segment cut inside its file header (a crash right after creating it) holds nothing.
        bytes[6] = 1
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let torn = dir + "/seg-00000000000000000002.wal"
        try Data(Array("GCW".utf8)).write(to: URL(fileURLWithPath: torn))
        queue = try DiskQueue(config)
        #expect(await queue.next(max: 10).map(\.payload) == [[1, 2, 3]])
        #expect(try await queue.append([4], spans: 1) == 2)
        try await queue.close()
        queue = try DiskQueue(config)
        #expect(await queue.next(max: 10).map(\.seq) == [1, 2] && queue.stats.corruptSkipped == 0)
    }

    @Test func aFullQueuePushesBackOrDropsTheOldest() async throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let record = DiskQueue.headerSize + 100
        let queue = try DiskQueue(.init(directory: dir, maxBytes: 3 * record, fsync: .never))
        for _ in 0..<3 { _ = try await queue.append(Array(repeating: 1, count: 100), spans: 2) }
        await #expect(throws: DiskQueueError.full(limitBytes: 3 * record)) { _ = try await queue.append(Array(repeating: 1, count: 100), spans: 2) }
        let out = await queue.next(max: 1)
        try await queue.ack(out.map(\.seq))
        #expect(try await queue.append(Array(repeating: 2, count: 100), spans: 2) == 4)

        let dir2 = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir2) }
        let dropping = try DiskQueue(.init(directory: dir2, maxBytes: 3 * record, fsync: .never, dropOldest: true))
        for _ in 0..<5 { _ = try await dropping.append(Array(repeating: 1, count: 100), spans: 2) }
        #expect(dropping.stats.droppedOldestRecords == 2 && dropping.stats.droppedOldestSpans == 4)
        #expect(await dropping.next(max: 10).map(\.seq) == [3, 4, 5])
    }

    @Test func committedSegmentsAreDeletedAndTheCommitSurvivesARestart() async throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = DiskQueue.Config(directory: dir, segmentBytes: 3 * (DiskQueue.headerSize + 40), fsync: .batch(.milliseconds(5)))
        var queue = try DiskQueue(config)
        for _ in 0..<20 { _ = try await queue.append(Array(repeating: 7, count: 40), spans: 1) }
        #expect(try segments(dir).count == 7)
        let first = await queue.next(max: 14)
        try await queue.ack(first.map(\.seq))
        #expect(try segments(dir).count == 3)  // records 13-20 live in the last three segments
        try await queue.close()
        queue = try DiskQueue(config)
        #expect(await queue.next(max: 100).map(\.seq) == Array(15...20))
        #expect(queue.stats.replayed == 6)
    }
}

@Suite(.timeLimit(.minutes(5)))
struct CRC32CTests {
    /// The standard check value, and agreement with the bytewise definition at every length and offset.
    @Test func matchesTheDefinition() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        func bytewise(_ b: [UInt8]) -> UInt32 {
            var c: UInt32 = ~0
            for x in b {
                c ^= UInt32(x)
                for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            }
            return ~c
        }
        var rng = SampleRNG(seed: 5)
        for n in 0..<70 {
            let b = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(CRC32C.checksum(b) == bytewise(b), "length \(n)")
        }
    }
}

@Suite(.timeLimit(.minutes(5)))
struct DiskQueueConcurrencyTests {
    /// Producers appending with group commit, then a consumer acknowledging out of order, then a
    /// restart: nothing unacknowledged is lost, and exactly the records above the contiguous
    /// acknowledged prefix come back (acknowledged ones among them too: at least once).
    /// An append returns (and the client is answered) only once its record is on disk: under
    /// `always` and under group sync, from one producer and from several at once.
    @Test(arguments: ["always", "batch"])
    func anAppendReturnsOnlyAfterItsRecordIsSynced(_ policy: String) async throws {
        let dir = DiskQueueTests.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let queue = try DiskQueue(
            DiskQueue.Config(
                directory: dir, segmentBytes: 4096,
                fsync: policy == "always" ? .always : .batch(.milliseconds(2))))
        for i in 0..<50 {
            let seq = try await queue.append(Array(repeating: 7, count: 10 + i), spans: 1)
            #expect(queue.stats.durableThrough >= seq, "record \(seq) acknowledged before it was synced")
        }
        let early = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for p in 0..<4 {
                group.addTask {
                    var early: [UInt64] = []
                    for i in 0..<50 {
                        let seq = try await queue.append(Array(repeating: UInt8(p), count: 10 + i), spans: 1)
                        if queue.stats.durableThrough < seq { early.append(seq) }
                    }
                    return early
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(early.isEmpty, "acknowledged before synced: \(early.prefix(5))")
        try await queue.close()
    }

    @Test func concurrentAppendsReadsAndAcks() async throws {
        let dir = DiskQueueTests.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = DiskQueue.Config(directory: dir, segmentBytes: 4096, fsync: .batch(.zero))
        let queue = try DiskQueue(config)
        // Four producers, and a consumer acknowledging about half of what it reads, out of order,
        // while they append.
        final class Done: Sendable { let count = Mutex(0) }
        let producersDone = Done()
        let (appended, acked) = try await withThrowingTaskGroup(of: ([UInt64], Set<UInt64>).self) { group in
            for p in 0..<4 {
                group.addTask {
                    var seqs: [UInt64] = []
                    for i in 0..<200 { seqs.append(try await queue.append(Array(repeating: UInt8(p), count: 10 + i % 50), spans: 1)) }
                    producersDone.count.withLock { $0 += 1 }
                    return (seqs, [])
                }
            }
            group.addTask {
                var acked: Set<UInt64> = []
                var rng = SampleRNG(seed: 3)
                while producersDone.count.withLock({ $0 }) < 4 {
                    let got = await queue.next(max: 10)
                    let done = got.map(\.seq).filter { _ in rng.next() % 2 == 0 }
                    try await queue.ack(done)
                    acked.formUnion(done)
                    queue.release(got.map(\.seq).filter { !acked.contains($0) })
                    await Task.yield()
                }
                return ([], acked)
            }
            var all: [UInt64] = []
            var acked: Set<UInt64> = []
            for try await (s, a) in group {
                all += s
                acked.formUnion(a)
            }
            return (all, acked)
        }
        #expect(!acked.isEmpty)
        #expect(Set(appended).count == 800 && appended.count == 800)
        try await queue.close()
        let reopened = try DiskQueue(config)
        let after = Set(await reopened.next(max: 10_000).map(\.seq))
        var committed: UInt64 = 0
        while acked.contains(committed + 1) { committed += 1 }
        #expect(after == Set(appended.filter { $0 > committed }))
        #expect(Set(appended).subtracting(acked).isSubset(of: after))
        #expect(reopened.stats.corruptSkipped == 0)
    }

    /// The file work runs on the blocking-I/O pool, never under the queue's lock: while a sync is
    /// stuck (the injected one blocks until released; under `fsync: always`, which used to sync with
    /// the lock held), the bookkeeping answers, and appends arriving meanwhile queue up and then share
    /// one sync: 32 appends, two syncs, counted exactly.
    @Test func aStuckSyncHoldsNoLockAndTheAppendsBehindItShareOne() async throws {
        let dir = DiskQueueTests.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let released = Atomic(false)
        let syncs = Mutex<[String]>([])
        let queue = try DiskQueue(DiskQueue.Config(directory: dir, fsync: .always)) { fd in
            syncs.withLock { $0.append(Thread.current.name ?? "") }
            while !released.load(ordering: .acquiring) { usleep(1000) }
            return fdatasync(fd)
        }
        try await withThrowingTaskGroup(of: UInt64.self) { group in
            group.addTask { try await queue.append([1], spans: 1) }
            #expect(try await eventually { syncs.withLock { $0.count } == 1 }, "the first round is syncing")
            // Stuck in the sync, and the lock is free: these answer (a record is counted and handed
            // out only once its round is done).
            #expect(queue.stats.records == 0 && queue.pending.records == 0)
            #expect(await queue.next(max: 10).isEmpty)
            for i in 0..<31 { group.addTask { try await queue.append([UInt8(i)], spans: 1) } }
            #expect(try await eventually { queue.waitingForSync == 31 }, "the appends behind it wait for the next round")
            #expect(syncs.withLock { $0.count } == 1)
            released.store(true, ordering: .releasing)
            var seqs: [UInt64] = []
            for try await seq in group { seqs.append(seq) }
            #expect(seqs.sorted() == Array(1...32))
        }
        #expect(syncs.withLock { $0.count } == 2, "one sync for the 31 appends that queued behind the first")
        #expect(queue.stats.durableThrough == 32 && queue.stats.records == 32)
        #expect(await queue.next(max: 100).count == 32)
        for name in syncs.withLock({ $0 }) { #expect(name.hasPrefix("SGLTN-TP"), "synced on \(name), not the blocking-I/O pool") }
        try await queue.close()
    }
}
