import CollectorCore
import ComponentModel
import ServiceLifecycle
import Synchronization

/// The running join, shared by the traces and logs pipelines that list it. A traces pipeline adds
/// each request (after the processors before it) and gets it back, records attached, when none of
/// its model spans waits any more: through `forward`, or, in durable mode, as `hold`'s result (the
/// client is answered after that, so nothing held is only in memory when it hears OK). A logs
/// pipeline offers each request's records; they travel on in the logs pipeline too. The window is
/// timed on the injected clock; at shutdown everything held goes on.
public final class LogJoinService: Service, Sendable {
    enum Waiter: Sendable {
        case forward(@Sendable (TraceBatch, Int) async -> Void)
        case resume(CheckedContinuation<TraceBatch, Never>)
    }

    struct State {
        var buffer: JoinBuffer
        var waiters: [Int: Waiter] = [:]
        var nextToken = 0
        var closed = false
        var reportedRecords: [JoinBuffer.RecordOutcome: Int] = [:]
        var reportedSpans: [JoinBuffer.SpanOutcome: Int] = [:]
    }

    private let state: Mutex<State>
    private let time: Timeline
    private let counters: Counters
    private let labels: [String: String]
    let tick: Duration

    public init(config: LogJoin.Config, settings: ComponentSettings) {
        state = Mutex(State(buffer: JoinBuffer(config: config)))
        time = Timeline(settings.clock)
        counters = settings.counters
        labels = ["processor": settings.id.description]
        tick = config.window / 4
        for o in JoinBuffer.RecordOutcome.allCases { counters.declare(.logJoinRecords, labels.merging(["outcome": o.rawValue]) { $1 }) }
        for o in JoinBuffer.SpanOutcome.allCases { counters.declare(.logJoinSpans, labels.merging(["outcome": o.rawValue]) { $1 }) }
        for m in [MetricName.logJoinWaitingSpans, .logJoinHeldRecords, .logJoinBytes] { counters.declare(m, labels) }
    }

    /// A traces request; it goes to `forward` (now, or once its spans have their records).
    public func add(_ batch: TraceBatch, cost: Int, forward: @escaping @Sendable (TraceBatch, Int) async -> Void) async {
        let now = time.now()
        let released = state.withLock { s in
            let token = s.nextToken
            s.nextToken += 1
            s.waiters[token] = .forward(forward)
            return take(
                &s,
                s.closed ? s.buffer.add(batch, cost: cost, token: token, now: now) + s.buffer.drain() : s.buffer.add(batch, cost: cost, token: token, now: now))
        }
        await hand(released)
    }

    /// A traces request in durable mode: returns it, records attached, once it may go on.
    public func hold(_ batch: TraceBatch, cost: Int) async -> TraceBatch {
        let now = time.now()
        var others: [(Waiter, JoinBuffer.Released)] = []
        let joined = await withCheckedContinuation { (continuation: CheckedContinuation<TraceBatch, Never>) in
            others = state.withLock { s in
                let token = s.nextToken
                s.nextToken += 1
                s.waiters[token] = .resume(continuation)
                let r = s.buffer.add(batch, cost: cost, token: token, now: now)
                return take(&s, s.closed ? r + s.buffer.drain() : r)
            }
            for (waiter, r) in others {
                if case .resume(let c) = waiter { c.resume(returning: r.batch) }
            }
        }
        await hand(others.filter { if case .forward = $0.0 { return true } else { return false } })
        return joined
    }

    /// A logs request's records (after the logs pipeline's processors before the join).
    public func offer(_ logs: TraceBatch) async {
        let now = time.now()
        await hand(state.withLock { s in take(&s, s.buffer.offer(logs, now: now)) })
    }

    public var held: (spans: Int, records: Int, bytes: Int) {
        state.withLock { ($0.buffer.waitingSpans, $0.buffer.heldRecords, $0.buffer.bytes) }
    }

    /// What is due at the clock's present reading.
    public func releaseDue() async {
        let now = time.now()
        await hand(state.withLock { s in take(&s, s.buffer.due(now: now)) })
    }

    /// Pairs each released request with its waiter, and publishes the counts (under the lock).
    private func take(_ s: inout State, _ released: [JoinBuffer.Released]) -> [(Waiter, JoinBuffer.Released)] {
        for (o, n) in s.buffer.recordOutcomes where n != s.reportedRecords[o] ?? 0 {
            counters.add(.logJoinRecords, n - (s.reportedRecords[o] ?? 0), labels.merging(["outcome": o.rawValue]) { $1 })
            s.reportedRecords[o] = n
        }
        for (o, n) in s.buffer.spanOutcomes where n != s.reportedSpans[o] ?? 0 {
            counters.add(.logJoinSpans, n - (s.reportedSpans[o] ?? 0), labels.merging(["outcome": o.rawValue]) { $1 })
            s.reportedSpans[o] = n
        }
        counters.set(.logJoinWaitingSpans, s.buffer.waitingSpans, labels)
        counters.set(.logJoinHeldRecords, s.buffer.heldRecords, labels)
        counters.set(.logJoinBytes, s.buffer.bytes, labels)
        return released.compactMap { r in s.waiters.removeValue(forKey: r.token).map { ($0, r) } }
    }

    private func hand(_ released: [(Waiter, JoinBuffer.Released)]) async {
        for (waiter, r) in released {
            switch waiter {
            case .forward(let f): await f(r.batch, r.cost)
            case .resume(let c): c.resume(returning: r.batch)
            }
        }
    }

    public func run() async throws {
        await time.tick(every: tick) { await self.releaseDue() }
        await hand(
            state.withLock { s in
                s.closed = true
                return take(&s, s.buffer.drain())
            })
    }
}
