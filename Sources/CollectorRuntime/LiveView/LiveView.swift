import CollectorCore
import ComponentModel
import GenAIMapping
import GenAISemantics
import Synchronization

/// The live view's state: a window of slots fed by every pipeline's translated batches, and the
/// last traces. `summary` folds the window into the numbers `/ui` shows and `/ui/api/summary`
/// serves. Batches are folded into a slot of their own outside the lock; the lock only merges.
public final class LiveView: Sendable {
    /// The window moves in steps of this.
    static let slotLength: Duration = .seconds(10)
    static let recentTraces = 50

    let window: Duration
    let timeline: Timeline
    private let state: Mutex<State>

    struct State {
        var slots: [LiveSlot] = []
        var recent = RecentTraces(limit: LiveView.recentTraces)
        /// Drop and pushback totals as sampled by `summary`, for their rates over the window.
        var history: [(at: Duration, totals: [String: Double])] = []
    }

    public init(window: Duration, clock: any Clock<Duration>) {
        self.window = window
        timeline = Timeline(clock)
        state = Mutex(State())
    }

    var slotCount: Int { max(1, Int(window / Self.slotLength)) }

    func slotIndex(_ now: Duration) -> Int { Int(now / Self.slotLength) }

    /// One exported batch's records; `redacted`: a redaction processor ran on them before the view.
    public func record(_ parts: [LangfuseRecords], redacted: Bool) {
        let index = slotIndex(timeline.now())
        var slot = LiveSlot(index: index)
        slot.add(parts)
        let traces = RecentTraces.collect(parts, redacted: redacted, limit: Self.recentTraces)
        let keep = slotCount
        state.withLock { s in
            if let last = s.slots.indices.last, s.slots[last].index == index {
                s.slots[last].merge(slot)
            } else {
                s.slots.append(slot)
            }
            s.slots.removeAll { $0.index <= index - keep }
            s.recent.merge(traces)
        }
    }

    /// What the view shows, as JSON (`/ui/api/summary`).
    public func summary(counters: Counters) -> JSONValue {
        let now = timeline.now()
        let index = slotIndex(now)
        let keep = slotCount
        let totals = Self.pipelineTotals(counters)
        let (slots, recent, oldest) = state.withLock { s -> ([LiveSlot], [RecentTraces.Trace], (at: Duration, totals: [String: Double])?) in
            if s.history.last.map({ now - $0.at >= Self.slotLength }) ?? true { s.history.append((now, totals)) }
            s.history.removeAll { now - $0.at > window }
            return (s.slots.filter { $0.index > index - keep }, s.recent.traces, s.history.first)
        }
        var all = LiveSlot(index: index)
        for slot in slots { all.merge(slot) }
        // Rates over the window, or over the time since start while it is shorter.
        let covered = max(Self.slotLength, min(window, now))
        let seconds = Double(covered.components.seconds) + Double(covered.components.attoseconds) / 1e18
        return LiveSummary(all: all, seconds: seconds, window: window, counters: counters, totals: totals, oldest: oldest, now: now, recent: recent)
            .json
    }

    /// Drop and pushback counters by series name, summed over the labels the view does not show.
    static func pipelineTotals(_ counters: Counters) -> [String: Double] {
        var out: [String: Double] = [:]
        for (key, value) in counters.snapshot() {
            switch key.metric {
            case .droppedSpans, .droppedLogRecords, .droppedMetricPoints:
                out["drop/\(key.metric.rawValue)/\(key.labels["reason"] ?? "unknown")", default: 0] += value
            case .receiverRefusedRequests:
                out["pushback/memory_limit/\(key.labels["receiver"] ?? "")", default: 0] += value
            case .persistentQueuePushbacks:
                out["pushback/persistent_queue_\(key.labels["reason"] ?? "unknown")/\(key.labels["exporter"] ?? "")", default: 0] += value
            case .exporterSendFailedSpans:
                out["failed/\(key.metric.rawValue)/\(key.labels["exporter"] ?? "")", default: 0] += value
            default: break
            }
        }
        return out
    }
}
