import CollectorCore
import ServiceLifecycle

/// Carries flushed batches from a batcher to the fan-out stage (translation and exporter queues),
/// so translating one batch overlaps decoding the next requests. Bounded: a batcher that is
/// `capacity` batches ahead waits.
public actor Handoff {
    private var items: [([TraceBatch], Int)] = []
    private var closed = false
    private let capacity: Int
    private var takers: [CheckedContinuation<([TraceBatch], Int)?, Never>] = []
    private var putters: [CheckedContinuation<Void, Never>] = []

    public init(capacity: Int = 4) {
        self.capacity = capacity
    }

    public func put(_ batch: [TraceBatch], cost: Int) async {
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
    public func take() async -> ([TraceBatch], Int)? {
        if !items.isEmpty {
            let item = items.removeFirst()
            if !putters.isEmpty { putters.removeFirst().resume() }
            return item
        }
        if closed { return nil }
        return await withCheckedContinuation { takers.append($0) }
    }

    /// Batches waiting for the fan-out stage.
    public var waiting: Int { items.count }

    public func close() {
        closed = true
        for t in takers { t.resume(returning: nil) }
        takers.removeAll()
        for p in putters { p.resume() }
        putters.removeAll()
    }
}
