import CollectorCore
import Processors
import ServiceLifecycle

/// The `batch` stage: accumulates spans until `send_batch_size`, `send_batch_bytes` or `timeout`, then
/// hands the merged batch to the fan-out stage. On graceful shutdown it flushes what it holds and
/// closes the hand-off.
actor Batcher: Service {
    let config: BatchProcessor.Config
    private let handoff: Handoff
    /// Handed on unmerged: the fan-out stage translates each request where it lies.
    private var pending: [TraceBatch] = []
    private var pendingSpans = 0
    private var pendingBytes = 0
    private var pendingCost = 0
    private var pendingSince: ContinuousClock.Instant?

    init(config: BatchProcessor.Config, handoff: Handoff) {
        self.config = config
        self.handoff = handoff
    }

    func add(_ batch: TraceBatch, cost: Int) async {
        // Keep batches within send_batch_max_size: flush first if this request would pass it.
        // (A single request larger than the maximum is sent as it came.)
        if config.sendBatchMaxSize > 0, pendingSpans > 0, pendingSpans + batch.spans.count > config.sendBatchMaxSize { await flush() }
        if pendingSince == nil { pendingSince = .now }
        pending.append(batch)
        pendingSpans += batch.spans.count
        pendingBytes += batch.bytes.count
        pendingCost += cost
        if pendingSpans >= config.sendBatchSize || (config.sendBatchBytes > 0 && pendingBytes >= config.sendBatchBytes) { await flush() }
    }

    /// Hands the pending requests on as one batch.
    func flush() async {
        guard !pending.isEmpty else { return }
        let (parts, cost) = (pending, pendingCost)
        pending = []
        pendingSpans = 0
        pendingBytes = 0
        pendingCost = 0
        pendingSince = nil
        await handoff.put(parts, cost: cost)
    }

    private func flushIfDue() async {
        if let since = pendingSince, ContinuousClock.now - since >= config.timeout { await flush() }
    }

    func run() async throws {
        // Tick at a fraction of the timeout so a batch waits at most about `timeout`.
        let tick = config.timeout / 4
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                await self.flushIfDue()
            }
        }
        await flush()
        await handoff.close()
    }
}
