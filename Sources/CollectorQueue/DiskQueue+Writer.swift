import CollectorCore
import Foundation
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// The writer (see "Writing" at the top of DiskQueue.swift): rounds led by one append (or ack) at a
// time, their file work on the blocking-I/O pool.
extension DiskQueue {
    /// What a round writes: taken under the lock, worked on without it.
    struct Round: Sendable {
        var jobs: [Job]
        /// The queue closed: nothing is written any more.
        var closed = false
        /// The segment appended to, if any (a round may roll to new ones).
        var active: Segment?
        var nextSeq: UInt64
        var commit: UInt64?
        /// Segments wholly behind `commit`, deleted once it is written.
        var behindCommit: [Segment]
    }

    /// What a round did.
    struct RoundResult: Sendable {
        var entries: [Entry] = []
        /// The active segment as it is now, then the segments the round opened, in order.
        var segments: [Segment] = []
        var nextSeq: UInt64
        /// Jobs from this index on were not written, for this reason.
        var unwrittenFrom: Int
        var writeError: DiskQueueError?
        /// The written records may not be on disk.
        var syncError: DiskQueueError?
        var commitResult: Result<Void, DiskQueueError>?
    }

    /// Leads rounds until the round holding job `me` (0: none, an `ack` leading) is done and nothing
    /// else needs this leader; then hands the lead to the first append queued meanwhile.
    func lead(_ me: UInt64) async -> Result<UInt64, DiskQueueError> {
        var mine: Result<UInt64, DiskQueueError> = .failure(.io("closed"))
        while true {
            if case .batch(let spacing) = config.fsync, spacing > .zero {
                let last = state.withLock { s -> ContinuousClock.Instant? in
                    s.leaderWaiting = true
                    return s.lastRoundStart
                }
                if let last, last + spacing > .now { await waitOut(until: last + spacing) }
                state.withLock { $0.leaderWaiting = false }
            }
            let round = state.withLock { s -> Round in
                defer { s.jobs = [] }
                s.lastRoundStart = .now
                if s.closed {
                    for job in s.jobs { s.liveBytes -= Self.headerSize + job.payload.count }
                    return Round(jobs: s.jobs, closed: true, active: nil, nextSeq: s.nextSeq, commit: nil, behindCommit: [])
                }
                s.inRound = true
                let commit = s.committed > s.fileCommitted && s.committed != s.failedCommit ? s.committed : nil
                let behind = commit.map { c in s.segments.dropLast().filter { $0.last <= c } } ?? []
                return Round(jobs: s.jobs, active: s.segments.last, nextSeq: s.nextSeq, commit: commit, behindCommit: behind)
            }
            let answers: [(Job, Result<UInt64, DiskQueueError>)]
            if round.closed {
                answers = round.jobs.map { ($0, .failure(.io("closed"))) }
            } else {
                let result: RoundResult
                do {
                    result = try await NIOThreadPool.singleton.runIfActive { self.write(round) }
                } catch {
                    result = RoundResult(nextSeq: round.nextSeq, unwrittenFrom: 0, writeError: .io("write not run: \(error)"))
                }
                answers = publish(round, result)
            }
            for (job, answer) in answers {
                if job.id == me { mine = answer } else { job.waiter.resume(returning: .done(answer)) }
            }
            // Next: the first append queued meanwhile leads; a commit point that moved meanwhile is
            // written by another round of this leader; otherwise the writer rests.
            enum Then { case handTo(Job), again, rest }
            let then = state.withLock { s -> Then in
                if let first = s.jobs.first { return .handTo(first) }
                if !s.closed && s.committed > s.fileCommitted && s.committed != s.failedCommit { return .again }
                s.writing = false
                return .rest
            }
            switch then {
            case .handTo(let job):
                job.waiter.resume(returning: .lead(job.id))
                return mine
            case .again: continue
            case .rest: return mine
            }
        }
    }

    /// Records the round's work in the state and says each append's answer.
    private func publish(_ round: Round, _ r: RoundResult) -> [(Job, Result<UInt64, DiskQueueError>)] {
        let ended = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            for seg in r.segments {
                if let i = s.segments.lastIndex(where: { $0.first == seg.first }) { s.segments[i] = seg } else { s.segments.append(seg) }
            }
            s.entries.append(contentsOf: r.entries)
            s.nextSeq = r.nextSeq
            s.liveRecords += r.entries.count
            s.pendingRecords += r.entries.count
            s.pendingSpans += r.entries.reduce(0) { $0 + $1.spans }
            for job in round.jobs[r.unwrittenFrom...] { s.liveBytes -= Self.headerSize + job.payload.count }
            if config.fsync != .never, r.syncError == nil, let last = r.entries.last {
                s.stats.durableThrough = max(s.stats.durableThrough, last.seq)
            }
            if let commit = round.commit {
                switch r.commitResult {
                case .success?:
                    s.fileCommitted = max(s.fileCommitted, commit)
                    let gone = Set(round.behindCommit.map(\.first))
                    s.segments.removeAll { gone.contains($0.first) }
                case .failure(let e)?:
                    s.failedCommit = commit
                    s.commitError = e
                case nil: break
                }
            }
            s.inRound = false
            defer { s.roundEnded = [] }
            return s.roundEnded
        }
        for c in ended { c.resume() }
        return round.jobs.enumerated().map { i, job in
            if i >= r.unwrittenFrom { return (job, .failure(r.writeError ?? .io("not written"))) }
            if let e = r.syncError { return (job, .failure(e)) }
            return (job, .success(r.entries[i].seq))
        }
    }

    /// The round's file work, on the blocking-I/O pool: the records into the active segment (rolling
    /// to a new one when it is full), one write per segment; one sync; the commit file; the segments
    /// behind it removed.
    private func write(_ round: Round) -> RoundResult {
        var result = RoundResult(nextSeq: round.nextSeq, unwrittenFrom: round.jobs.count)
        var segs = round.active.map { [$0] } ?? []
        let sync = config.fsync != .never
        var buffer: [UInt8] = []
        buffer.reserveCapacity(round.jobs.reduce(0) { $0 + Self.headerSize + $1.payload.count })
        // The chunk of the current segment not yet written: where it starts, and its first job.
        var chunkStart = segs.last?.size ?? 0
        var chunkLast = segs.last?.last ?? 0
        var chunkJob = 0
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        func flush() -> Bool {
            guard !buffer.isEmpty, let seg = segs.last else { return true }
            do throws(DiskQueueError) {
                try Self.pwriteAll(seg.fd, buffer, at: chunkStart)
            } catch {
                // Nothing of this chunk counts: the next round writes over it.
                result.writeError = error
                result.unwrittenFrom = chunkJob
                result.entries.removeLast(result.entries.count - chunkJob)
                result.nextSeq = round.nextSeq + UInt64(chunkJob)
                segs[segs.count - 1].size = chunkStart
                segs[segs.count - 1].last = chunkLast
                return false
            }
            buffer.removeAll(keepingCapacity: true)
            return true
        }
        for (i, job) in round.jobs.enumerated() {
            if segs.isEmpty || segs[segs.count - 1].size >= config.segmentBytes {
                guard flush() else { break }
                if let old = segs.last, sync, syncFile(old.fd) != 0 {
                    result.syncError = .io("fsync failed: \(String(cString: strerror(errno)))")
                }
                do throws(DiskQueueError) {
                    segs.append(try openSegment(first: result.nextSeq))
                } catch {
                    result.writeError = error
                    result.unwrittenFrom = i
                    break
                }
                chunkStart = segs[segs.count - 1].size
                chunkLast = segs[segs.count - 1].last
                chunkJob = i
            }
            let seq = result.nextSeq
            var header = [UInt8](repeating: 0, count: Self.headerSize)
            Self.put(&header, 8, seq)
            Self.put(&header, 16, UInt64(bitPattern: now))
            Self.put32(&header, 24, UInt32(clamping: job.spans))
            var crc = header.withUnsafeBytes { CRC32C.update(0, UnsafeRawBufferPointer(rebasing: $0[8...])) }
            crc = job.payload.withUnsafeBytes { CRC32C.update(crc, $0) }
            Self.put32(&header, 0, UInt32(job.payload.count))
            Self.put32(&header, 4, crc)
            buffer += header
            buffer += job.payload
            var seg = segs[segs.count - 1]
            result.entries.append(
                Entry(seq: seq, segment: seg.first, offset: seg.size + Self.headerSize, length: job.payload.count, appendedAt: now, spans: job.spans))
            seg.size += Self.headerSize + job.payload.count
            seg.last = seq
            segs[segs.count - 1] = seg
            result.nextSeq += 1
        }
        if result.writeError == nil { _ = flush() }
        if sync, !result.entries.isEmpty, let active = segs.last, syncFile(active.fd) != 0 {
            result.syncError = .io("fsync failed: \(String(cString: strerror(errno)))")
        }
        result.segments = segs
        if let commit = round.commit {
            do throws(DiskQueueError) {
                try writeCommit(commit)
                for seg in round.behindCommit {
                    Glibc.close(seg.fd)
                    unlink(segmentPath(seg.first))
                }
                result.commitResult = .success(())
            } catch {
                result.commitResult = .failure(error)
            }
        }
        return result
    }

    /// Sleeps until `deadline`, or until the queue closes.
    func waitOut(until deadline: ContinuousClock.Instant) async {
        state.withLock { $0.leaderWoken = false }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Cancelled only once the leader was woken another way: nothing left to wake.
                do { try await Task.sleep(until: deadline, clock: .continuous) } catch { return }
                self.wakeLeader()
            }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let woken = state.withLock { s -> Bool in
                    if s.leaderWoken || s.closed { return true }
                    s.leaderWake = c
                    return false
                }
                if woken { c.resume() }
            }
            group.cancelAll()
        }
    }

    func wakeLeader() {
        let waiting = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.leaderWoken = true
            defer { s.leaderWake = nil }
            return s.leaderWake
        }
        waiting?.resume()
    }
}
