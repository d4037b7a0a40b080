import CollectorCore
import Processors
import ServiceLifecycle

/// The `batch` stage: accumulates spans until `send_batch_size` or `timeout`, then hands the merged
/// batch on. On graceful shutdown it flushes what it holds.
actor Batcher: Service {
    let config: BatchProcessor.Config
    private let deliver: @Sendable (TraceBatch, Int) -> Void
    /// Merged once at flush (one copy into tables sized for the whole batch).
    private var pending: [TraceBatch] = []
    private var pendingSpans = 0
    private var pendingBytes = 0
    private var pendingCost = 0
    private var pendingSince: ContinuousClock.Instant?

    init(config: BatchProcessor.Config, deliver: @escaping @Sendable (TraceBatch, Int) -> Void) {
        self.config = config
        self.deliver = deliver
    }

    func add(_ batch: TraceBatch, cost: Int) {
        // Keep batches within send_batch_max_size: flush first if this request would pass it.
        // (A single request larger than the maximum is sent as it came.)
        if config.sendBatchMaxSize > 0, pendingSpans > 0, pendingSpans + batch.spans.count > config.sendBatchMaxSize { flush() }
        if pendingSince == nil { pendingSince = .now }
        pending.append(batch)
        pendingSpans += batch.spans.count
        pendingBytes += batch.bytes.count
        pendingCost += cost
        if pendingSpans >= config.sendBatchSize || (config.sendBatchBytes > 0 && pendingBytes >= config.sendBatchBytes) { flush() }
    }

    func flush() {
        guard !pending.isEmpty else { return }
        let (parts, cost) = (pending, pendingCost)
        pending = []
        pendingSpans = 0
        pendingBytes = 0
        pendingCost = 0
        pendingSince = nil
        deliver(TraceBatch.concatenating(parts), cost)
    }

    private func flushIfDue() {
        if let since = pendingSince, ContinuousClock.now - since >= config.timeout { flush() }
    }

    func run() async throws {
        // Tick at a fraction of the timeout so a batch waits at most about `timeout`.
        let tick = config.timeout / 4
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                await self.flushIfDue()
            }
        }
        flush()
    }
}
