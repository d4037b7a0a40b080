import CollectorCore
import ServiceLifecycle

/// Carries flushed batches from a batcher to the fan-out stage (translation and exporter queues),
/// so translating one batch overlaps decoding the next requests. Bounded: a batcher that is
/// `capacity` batches ahead waits.
actor Handoff {
    private var items: [([TraceBatch], Int)] = []
    private var closed = false
    private let capacity: Int
    private var takers: [CheckedContinuation<([TraceBatch], Int)?, Never>] = []
    private var putters: [CheckedContinuation<Void, Never>] = []

    init(capacity: Int = 4) {
        self.capacity = capacity
    }

    func put(_ batch: [TraceBatch], cost: Int) async {
        while items.count >= capacity && !closed {
            await withCheckedContinuation { putters.append($0) }
        }
        if let taker = takers.first {
            takers.removeFirst()
            taker.resume(returning: (batch, cost))
        } else {
            items.append((batch, cost))
        }
    }

    /// The next batch, or nil once closed and empty.
    func take() async -> ([TraceBatch], Int)? {
        if !items.isEmpty {
            let item = items.removeFirst()
            if !putters.isEmpty { putters.removeFirst().resume() }
            return item
        }
        if closed { return nil }
        return await withCheckedContinuation { takers.append($0) }
    }

    /// Batches waiting for the fan-out stage.
    var waiting: Int { items.count }

    func close() {
        closed = true
        for t in takers { t.resume(returning: nil) }
        takers.removeAll()
        for p in putters { p.resume() }
        putters.removeAll()
    }
}

/// Runs a pipeline's fan-out stage: `workers` tasks (one per core, so translation is not held to
/// one core; batches may then reach exporters out of order) take flushed batches until the batcher
/// upstream has flushed and closed the hand-off, then the stage ends (so exporter queues drain after it).
struct FanOutService: Service {
    let handoff: Handoff
    let fanOut: FanOut
    let workers: Int

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for _ in 0..<max(1, workers) {
                group.addTask {
                    while let (parts, cost) = await handoff.take() {
                        fanOut.deliver(parts, cost: cost)
                    }
                }
            }
        }
        // The hand-off closes while the batcher upstream is being shut down; this stage returns on
        // its own turn, since a service that ends before its turn fails the group.
        try? await gracefulShutdown()
    }
}
