import NIOPosix

/// Runs CPU-heavy or blocking work (encoding, compression, file writes) on NIO's blocking thread
/// pool. Swift's tasks run on the event loops in this process (`CollectorApp.runTasksOnEventLoops`),
/// so work done inline in `export` holds a loop that should be receiving.
public func offLoop<T: Sendable>(_ what: String, _ work: @escaping @Sendable () throws(ExportFailure) -> T) async throws(ExportFailure) -> T {
    let outcome: Result<T, ExportFailure>
    do {
        outcome = try await NIOThreadPool.singleton.runIfActive { () -> Result<T, ExportFailure> in
            do throws(ExportFailure) { return .success(try work()) } catch { return .failure(error) }
        }
    } catch {
        throw .retryable("the I/O thread pool did not take \(what): \(error)", cause: error)
    }
    return try outcome.get()
}
