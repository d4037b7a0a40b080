import CollectorCore
import ServiceLifecycle

/// The `batch` stage: accumulates spans until `send_batch_size`, `send_batch_bytes` or `timeout`, then
/// hands the merged batch to the fan-out stage. On graceful shutdown it flushes what it holds and
/// closes the hand-off.
public actor Batcher: BatchingService {
    let config: BatchProcessor.Config
    private let handoff: Handoff
    private let clock: any Clock<Duration>
    /// Handed on unmerged: the fan-out stage translates each request where it lies.
    private var pending: [TraceBatch] = []
    private var pendingSpans = 0
    private var pendingBytes = 0
    private var pendingCost = 0
    /// Timer ticks (a quarter of the timeout each) seen since the oldest pending request came.
    private var pendingTicks: Int?

    public init(config: BatchProcessor.Config, handoff: Handoff, clock: any Clock<Duration> = ContinuousClock()) {
        self.config = config
        self.handoff = handoff
        self.clock = clock
    }

    public func add(_ parts: [TraceBatch], cost: Int) async {
        // Keep batches within send_batch_max_size: flush first if these parts would pass it.
        // (A single request or trace larger than the maximum is sent as it came.)
        let spans = parts.reduce(0) { $0 + $1.itemCount }  // spans, log records or data points
        if config.sendBatchMaxSize > 0, pendingSpans > 0, pendingSpans + spans > config.sendBatchMaxSize { await flush() }
        if pendingTicks == nil { pendingTicks = 0 }
        pending += parts
        pendingSpans += spans
        pendingBytes += parts.reduce(0) { $0 + $1.bytes.count }
        pendingCost += cost
        if pendingSpans >= config.sendBatchSize || (config.sendBatchBytes > 0 && pendingBytes >= config.sendBatchBytes) { await flush() }
    }

    /// Hands the pending requests on as one batch.
    public func flush() async {
        guard !pending.isEmpty else { return }
        let (parts, cost) = (pending, pendingCost)
        pending = []
        pendingSpans = 0
        pendingBytes = 0
        pendingCost = 0
        pendingTicks = nil
        await handoff.put(parts, cost: cost)
    }

    /// The oldest pending request is flushed on the fourth tick after it came: it has waited more
    /// than three quarters of `timeout` and never more, counted on the injected clock.
    private func tick() async {
        guard let ticks = pendingTicks else { return }
        if ticks + 1 >= Self.ticksPerTimeout { await flush() } else { pendingTicks = ticks + 1 }
    }

    static let ticksPerTimeout = 4

    public func run() async throws {
        let tick = config.timeout / Self.ticksPerTimeout
        let clock = clock
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await clock.sleep(for: tick)
                await self.tick()
            }
        }
        await flush()
        await handoff.close()
    }
}
