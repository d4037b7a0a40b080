import ComponentModel
import ServiceLifecycle

extension Timeline {
    /// Runs `body` every `interval` on this timeline until graceful shutdown begins (or the task is
    /// cancelled): the timer of the stages that hold data and release it as it falls due.
    func tick(every interval: Duration, _ body: @escaping @Sendable () async -> Void) async {
        let sleep = self.sleep
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await sleep(interval) } catch { break }
                await body()
            }
        }
    }
}
