import CollectorCore
import GenAIMapping
import GenAISemantics
import Processors

/// The last traces seen, newest first, each with its observations for the live view's tree.
/// Input and output are kept (cut short) only for traces that went through a redaction processor
/// before the view; for others they are never copied.
struct RecentTraces: Sendable {
    struct Observation: Sendable {
        var id: SpanID
        var parent: SpanID?
        var type: ObservationType
        var name: String
        var model: String?
        var agent: String?
        var tokens: Int64?
        var cost: Double?
        var start: UInt64
        var end: UInt64
        var error: Bool
        var input: String?
        var output: String?
    }

    struct Trace: Sendable {
        var id: TraceID
        var name: String?
        var environment: String
        var redacted: Bool
        var observations: [Observation] = []
        var truncated = 0
    }

    let limit: Int
    /// Observations kept per trace; the rest are counted in `truncated`.
    static let observationLimit = 200
    /// Characters of input or output kept.
    static let previewLimit = 400
    private(set) var traces: [Trace] = []

    init(limit: Int) { self.limit = limit }

    /// The batch's last `limit` traces (by position), oldest first: built outside the view's lock.
    static func collect(_ parts: [LangfuseRecords], redacted: Bool, limit: Int) -> [Trace] {
        var wanted = Set<TraceID>()
        outer: for records in parts.reversed() {
            for i in records.observations.indices.reversed() {
                wanted.insert(records.observations[i].traceID)
                if wanted.count >= limit { break outer }
            }
        }
        guard !wanted.isEmpty else { return [] }
        var incoming: [TraceID: Trace] = [:]
        var order: [TraceID] = []
        func open(_ id: TraceID, _ environment: String) {
            guard incoming[id] == nil else { return }
            incoming[id] = Trace(id: id, environment: environment, redacted: redacted)
            order.append(id)
        }
        for records in parts {
            for t in records.traces where wanted.contains(t.id) && t.name != nil {
                open(t.id, t.environment)
                incoming[t.id]?.name = t.name
            }
            for i in records.observations.indices where wanted.contains(records.observations[i].traceID) {
                let id = records.observations[i].traceID
                open(id, records.observations[i].environment)
                incoming[id]?.observations.append(Self.observation(records.observations[i], records.batch, redacted: redacted))
            }
        }
        return order.compactMap { incoming[$0] }
    }

    /// Traces from `collect` added or extended; each moves to the front.
    mutating func merge(_ batch: [Trace]) {
        for t in batch {
            let id = t.id
            if let i = traces.firstIndex(where: { $0.id == id }) {
                var merged = traces.remove(at: i)
                merged.name = merged.name ?? t.name
                merged.redacted = merged.redacted && t.redacted
                let known = Set(merged.observations.map(\.id))
                for o in t.observations where !known.contains(o.id) { merged.observations.append(o) }
                traces.insert(Self.capped(merged), at: 0)
            } else {
                traces.insert(Self.capped(t), at: 0)
            }
        }
        if traces.count > limit { traces.removeLast(traces.count - limit) }
    }

    static func capped(_ t: Trace) -> Trace {
        guard t.observations.count > observationLimit else { return t }
        var t = t
        t.truncated += t.observations.count - observationLimit
        t.observations.removeLast(t.observations.count - observationLimit)
        return t
    }

    static func observation(_ o: borrowing LangfuseObservation, _ batch: TraceBatch, redacted: Bool) -> Observation {
        Observation(
            id: o.id, parent: o.parentObservationID, type: o.type, name: o.name, model: o.model, agent: o.metadataText(AgentAttribution.agentKey),
            tokens: o.usageDetails?.overall, cost: o.costDetails?.overall, start: o.startTimeUnixNano, end: o.endTimeUnixNano,
            error: o.level == .error, input: redacted ? preview(o.input, batch) : nil, output: redacted ? preview(o.output, batch) : nil)
    }

    static func preview(_ v: RecordValue?, _ batch: TraceBatch) -> String? {
        guard let v else { return nil }
        var w = RecordJSONWriter(batch: batch, capacity: 256)
        w.value(v)
        var bytes: [UInt8] = []
        w.finish(into: &bytes)
        var text = String(decoding: bytes, as: UTF8.self)
        // Text sent as a string (most instrumentations' messages) is shown as it reads, not escaped again.
        if bytes.first == UInt8(ascii: "\""), case .string(let inner)? = JSONParser.parseIfJSON(text) { text = inner }
        return text.count > previewLimit ? String(text.prefix(previewLimit)) + "…" : text
    }
}
