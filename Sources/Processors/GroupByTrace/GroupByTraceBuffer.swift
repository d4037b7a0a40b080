import CollectorCore
import ComponentModel
import ServiceLifecycle
import Synchronization

/// The running `groupbytrace` stage: the pipeline adds each request after the processors before it;
/// whole traces go to `forward` as they fall due (checked on the injected clock), or early to stay
/// within the bounds, and all that is held goes when the stage stops.
public final class GroupByTraceBuffer: GroupingService, Sendable {
    private let state: Mutex<State>
    private let time: Timeline
    private let counters: Counters
    private let labels: [String: String]
    private let forward: @Sendable ([TraceBuffer.Released]) async -> Void
    /// How often the timer looks for traces that fell due: a quarter of the shorter wait.
    let tick: Duration

    struct State {
        var buffer: TraceBuffer
        /// After the final flush: requests still arriving (a reload's stragglers) pass straight on.
        var closed = false
    }

    public init(limits: TraceBuffer.Limits, settings: ComponentSettings, forward: @escaping @Sendable ([TraceBuffer.Released]) async -> Void) {
        state = Mutex(State(buffer: TraceBuffer(limits: limits)))
        time = Timeline(settings.clock)
        counters = settings.counters
        labels = ["processor": settings.id.description]
        self.forward = forward
        tick = min(limits.wait, limits.rootWait) / 4
        for metric in [MetricName.groupByTraceTraces, .groupByTraceSpans, .groupByTraceBytes] { counters.declare(metric, labels) }
        for reason in TraceBuffer.Reason.allCases {
            counters.declare(.groupByTraceReleasedTraces, labels.merging(["reason": reason.rawValue]) { $1 })
            counters.declare(.groupByTraceReleasedSpans, labels.merging(["reason": reason.rawValue]) { $1 })
        }
    }

    public func add(_ batch: TraceBatch, cost: Int, seq: UInt64?) async {
        let now = time.now()
        let released = state.withLock { s -> [TraceBuffer.Released] in
            if s.closed { return s.buffer.add(batch, cost: cost, now: now, seq: seq) + s.buffer.drain() }
            return s.buffer.add(batch, cost: cost, now: now, seq: seq)
        }
        await hand(released)
    }

    /// Releases what is due at the clock's present reading.
    public func releaseDue() async {
        let now = time.now()
        await hand(state.withLock { $0.buffer.due(now: now) })
    }

    public var held: (traces: Int, spans: Int, bytes: Int) {
        state.withLock { ($0.buffer.count, $0.buffer.spans, $0.buffer.bytes) }
    }

    private func hand(_ released: [TraceBuffer.Released]) async {
        publish()
        guard !released.isEmpty else { return }
        var traces: [TraceBuffer.Reason: Int] = [:]
        var spans: [TraceBuffer.Reason: Int] = [:]
        for r in released {
            traces[r.reason, default: 0] += 1
            spans[r.reason, default: 0] += r.spans
        }
        for (reason, n) in traces { counters.add(.groupByTraceReleasedTraces, n, labels.merging(["reason": reason.rawValue]) { $1 }) }
        for (reason, n) in spans { counters.add(.groupByTraceReleasedSpans, n, labels.merging(["reason": reason.rawValue]) { $1 }) }
        await forward(released)
    }

    private func publish() {
        let (traces, spans, bytes) = held
        counters.set(.groupByTraceTraces, traces, labels)
        counters.set(.groupByTraceSpans, spans, labels)
        counters.set(.groupByTraceBytes, bytes, labels)
    }

    public func run() async throws {
        await time.tick(every: tick) { await self.releaseDue() }
        await hand(
            state.withLock { s in
                s.closed = true
                return s.buffer.drain()
            })
    }
}
