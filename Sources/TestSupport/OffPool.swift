import Foundation
import Synchronization

/// Runs blocking or CPU-heavy test work (a client process read to its end, a long fuzz loop) on a
/// thread of its own. The cooperative pool has one thread per core; work that holds one for seconds
/// starves every test that waits on a timer or a socket meanwhile. The caller asserts on the result.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        Thread { c.resume(with: Result { try work() }) }.start()
    }
}

/// Runs a child process's work (`work` starts it and waits for it) off the pool, at most one per core
/// at a time. Tests that run the collector binary or Python start dozens of children at once otherwise,
/// and the CPU storm starves the in-process collectors the other tests start meanwhile. Waiting for a
/// slot suspends; it holds no thread.
public func withChildProcess<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    await ChildSlots.shared.acquire()
    defer { ChildSlots.shared.release() }
    return try await offPool(work)
}

final class ChildSlots: Sendable {
    static let shared = ChildSlots(ProcessInfo.processInfo.activeProcessorCount)

    private let state: Mutex<(free: Int, waiting: [CheckedContinuation<Void, Never>])>

    init(_ slots: Int) { state = Mutex((max(1, slots), [])) }

    func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.free > 0 {
                    s.free -= 1
                    return true
                }
                s.waiting.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiting.isEmpty {
                s.free += 1
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.resume()
    }
}
