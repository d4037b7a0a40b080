import CollectorCore
import Foundation
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Group commit (`fsync: batch`): the append that finds no sync under way leads a round in its own
// task; appends arriving meanwhile wait, and the first of them leads the next round.
extension DiskQueue {
    /// Sleeps until `deadline`, or until the queue closes (whose sync answers the round).
    func waitOut(until deadline: ContinuousClock.Instant) async {
        state.withLock { $0.leaderWoken = false }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Cancelled only once the round was woken another way: nothing left to wake.
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

    /// Syncs `fd` on the blocking-I/O pool; a pool that no longer runs is a failed sync, with its cause.
    static func sync(_ fd: Int32, _ syncFile: @escaping @Sendable (Int32) -> Int32) async -> Result<Void, DiskQueueError> {
        let failure: Int32
        do { failure = try await NIOThreadPool.singleton.runIfActive { syncFile(fd) == 0 ? 0 : errno } } catch {
            return .failure(.io("fsync not run: \(error)"))
        }
        return failure == 0 ? .success(()) : .failure(.io("fsync failed: \(String(cString: strerror(failure)))"))
    }

    /// A waiting append's answer: its record was synced (or not), or it leads the next round.
    enum SyncTurn { case done(Result<Void, DiskQueueError>), lead }

    /// One group sync, led by the calling append: waits out `spacing` since the last round began
    /// (appends that arrive meanwhile share this sync), syncs, answers the waiters it covered, and
    /// hands the lead to the first append that came during it.
    func syncRound(_ spacing: Duration) async -> Result<Void, DiskQueueError> {
        let last = state.withLock { s -> ContinuousClock.Instant? in
            s.leaderWaiting = true
            return s.lastSyncStart
        }
        if let last, last + spacing > .now { await waitOut(until: last + spacing) }
        let (waiters, fd, written, closed) = state.withLock { s in
            defer {
                s.syncWaiters = []
                s.leaderWaiting = false
                s.lastSyncStart = .now
            }
            return (s.syncWaiters, s.closed ? nil : s.segments.last?.fd, s.nextSeq - 1, s.closeResult)
        }
        // Every waiter's record was written before it registered, and the leader's before it led, so
        // this sync covers them (a segment that rolled meanwhile was synced when it rolled). A queue
        // closed meanwhile synced at close: its answer is theirs.
        let result: Result<Void, DiskQueueError>
        if let closed {
            result = closed
        } else {
            // On a thread of its own: a sync can take long on a busy disk, and the appends waiting for
            // it must not hold a thread of the task pool meanwhile.
            if let fd { result = await Self.sync(fd, syncFile) } else { result = .success(()) }
            if case .success = result { state.withLock { $0.stats.durableThrough = max($0.stats.durableThrough, written) } }
        }
        for w in waiters { w.resume(returning: .done(result)) }
        let next = state.withLock { s -> CheckedContinuation<SyncTurn, Never>? in
            if s.syncWaiters.isEmpty {
                s.syncLeader = false
                return nil
            }
            return s.syncWaiters.removeFirst()
        }
        next?.resume(returning: .lead)
        return result
    }
}
