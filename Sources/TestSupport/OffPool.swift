import Foundation

/// Runs blocking or CPU-heavy test work (a client process read to its end, a long fuzz loop) on a
/// thread of its own. The cooperative pool has one thread per core; work that holds one for seconds
/// starves every test that waits on a timer or a socket meanwhile. The caller asserts on the result.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        Thread { c.resume(with: Result { try work() }) }.start()
    }
}
