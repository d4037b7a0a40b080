import CollectorCore
import GenAIMapping
import GenAISemantics

/// Decides for one whole trace, from its spans and its translated records: the first policy that
/// matches keeps it; a trace no policy matches is dropped. Counted by policy.
public struct TailSampler: Sendable {
    public let policies: [TailSampling.Policy]
    let counters: Counters
    let processor: String

    public struct Decision: Sendable, Equatable {
        public var keep: Bool
        /// The policy that kept the trace, or `none`.
        public var policy: String
    }

    public init(config: TailSampling.Config, counters: Counters, processor: String) {
        policies = config.policies
        self.counters = counters
        self.processor = processor
        for p in policies { counters.declare(.tailSamplingTraces, ["processor": processor, "policy": p.name, "sampled": "true"]) }
        counters.declare(.tailSamplingTraces, ["processor": processor, "policy": "none", "sampled": "false"])
        for sampled in ["true", "false"] { counters.declare(.tailSamplingSpans, ["processor": processor, "sampled": sampled]) }
    }

    public func decide(trace: TraceID, parts: [TraceBatch], records: [LangfuseRecords]) -> Decision {
        for p in policies where Self.matches(p.kind, trace: trace, parts: parts, records: records) {
            return Decision(keep: true, policy: p.name)
        }
        return Decision(keep: false, policy: "none")
    }

    /// Counts a decision for a trace of `spans` spans.
    public func count(_ d: Decision, spans: Int) {
        let sampled = d.keep ? "true" : "false"
        counters.add(.tailSamplingTraces, 1, ["processor": processor, "policy": d.policy, "sampled": sampled])
        counters.add(.tailSamplingSpans, spans, ["processor": processor, "sampled": sampled])
    }

    static func matches(_ kind: TailSampling.Policy.Kind, trace: TraceID, parts: [TraceBatch], records: [LangfuseRecords]) -> Bool {
        switch kind {
        case .alwaysSample: return true
        case .statusError: return records.contains { $0.observations.contains { $0.level == .error } }
        case .cost(let min): return cost(records) >= min
        case .tokens(let min): return tokens(records) >= min
        case .redaction: return parts.contains(where: redacted)
        case .traceField(let field, let values):
            return records.contains { r in
                r.traces.contains { t in
                    switch field {
                    case .userID: return t.userID.map(values.contains) ?? false
                    case .sessionID: return t.sessionID.map(values.contains) ?? false
                    case .tag: return t.tags?.contains(where: values.contains) ?? false
                    case .environment: return values.contains(t.environment)
                    }
                } || (field == .environment && r.observations.contains { values.contains($0.environment) })
            }
        case .latency(let threshold):
            var start = UInt64.max
            var end: UInt64 = 0
            for p in parts {
                for s in p.spans {
                    start = min(start, s.startTimeUnixNano)
                    end = max(end, s.endTimeUnixNano)
                }
            }
            guard end > start else { return false }
            return Duration.nanoseconds(Int64(clamping: end - start)) >= threshold
        case .probabilistic(let percent):
            // The trace id's last 56 bits against the share of 2^56 to keep.
            let random = trace.low & 0x00FF_FFFF_FFFF_FFFF
            return Double(random) < percent / 100 * 0x1p56
        }
    }

    /// The trace's tokens: each observation's `total`, or the sum of its buckets without one.
    static func tokens(_ records: [LangfuseRecords]) -> Int64 {
        records.reduce(0) { $0 + $1.observations.reduce(0) { $0 + ($1.usageDetails?.overall ?? 0) } }
    }

    /// The trace's cost in USD, summed as its tokens are.
    static func cost(_ records: [LangfuseRecords]) -> Double {
        records.reduce(0) { $0 + $1.observations.reduce(0) { $0 + ($1.costDetails?.overall ?? 0) } }
    }

    /// A span a redaction processor changed: it carries `redaction.<rule>.count` or `redaction.applied`.
    static func redacted(_ batch: TraceBatch) -> Bool {
        let prefix = Array("redaction.".utf8)
        return batch.spans.contains { s in
            batch.attributes[s.attributes.range].contains { a in
                a.key.count > prefix.count && batch.bytes[Int(a.key.start)..<Int(a.key.start) + prefix.count].elementsEqual(prefix)
            }
        }
    }
}
