import CollectorCore
import GenAIMapping
import GenAISemantics
import Processors

/// Usage of one model, agent or environment over a slot or the window.
struct UsageSums: Sendable {
    var observations = 0
    var tokens: Int64 = 0
    var inputTokens: Int64 = 0
    var outputTokens: Int64 = 0
    var cost = 0.0
    var errors = 0

    mutating func add(_ o: UsageSums) {
        observations += o.observations
        tokens += o.tokens
        inputTokens += o.inputTokens
        outputTokens += o.outputTokens
        cost += o.cost
        errors += o.errors
    }
}

/// What happened in one slot of the window (`LiveView.slotLength`): counts, usage by label, and
/// latency histograms (the Prometheus buckets, so the view and a dashboard agree).
struct LiveSlot: Sendable {
    var index: Int
    var spans = 0
    var traces = 0
    var operations = 0
    var errors = 0
    var models: [String: UsageSums] = [:]
    var agents: [String: UsageSums] = [:]
    var environments: [String: UsageSums] = [:]
    var modelLatency: [String: Histogram] = [:]
    var stageLatency: [String: Histogram] = [:]
    var modelFirstToken: [String: Histogram] = [:]

    init(index: Int) { self.index = index }

    /// Distinct label values kept per slot and table; the rest are summed under `other`.
    static let labelLimit = 100

    static func key<V>(_ table: [String: V], _ label: String) -> String {
        table[label] != nil || table.count < labelLimit ? label : "other"
    }

    mutating func add(_ s: LiveSeries, _ sums: UsageSums, durations: [Double], firstTokens: [Double]) {
        if let model = s.model {
            models[Self.key(models, model), default: UsageSums()].add(sums)
            if !durations.isEmpty {
                let k = Self.key(modelLatency, model)
                for d in durations { modelLatency[k, default: Histogram(buckets: MetricName.latencyBuckets.count)].add(d, bounds: MetricName.latencyBuckets) }
            }
            if !firstTokens.isEmpty {
                let k = Self.key(modelFirstToken, model)
                for t in firstTokens {
                    modelFirstToken[k, default: Histogram(buckets: MetricName.firstTokenBuckets.count)].add(t, bounds: MetricName.firstTokenBuckets)
                }
            }
        }
        agents[Self.key(agents, s.agent ?? "none"), default: UsageSums()].add(sums)
        environments[Self.key(environments, s.environment), default: UsageSums()].add(sums)
        if let stage = s.stage, !durations.isEmpty {
            let k = Self.key(stageLatency, stage)
            for d in durations { stageLatency[k, default: Histogram(buckets: MetricName.latencyBuckets.count)].add(d, bounds: MetricName.latencyBuckets) }
        }
    }

    /// The window's slots folded into one.
    mutating func merge(_ o: LiveSlot) {
        spans += o.spans
        traces += o.traces
        operations += o.operations
        errors += o.errors
        for (k, v) in o.models { models[k, default: UsageSums()].add(v) }
        for (k, v) in o.agents { agents[k, default: UsageSums()].add(v) }
        for (k, v) in o.environments { environments[k, default: UsageSums()].add(v) }
        for (k, h) in o.modelLatency { modelLatency[k, default: Histogram(buckets: h.counts.count - 1)].merge(h) }
        for (k, h) in o.stageLatency { stageLatency[k, default: Histogram(buckets: h.counts.count - 1)].merge(h) }
        for (k, h) in o.modelFirstToken { modelFirstToken[k, default: Histogram(buckets: h.counts.count - 1)].merge(h) }
    }
}

/// The labels an observation is summed under in the live view.
struct LiveSeries: Equatable {
    var model: String?
    var environment: String
    var agent: String?
    var stage: String?
}

extension LiveSlot {
    /// Langfuse's rule for input and output tokens: the key contains the word, in any case. On the
    /// key's bytes: the generic `String.contains` costs microseconds per observation.
    static func contains(_ key: String, _ word: StaticString) -> Bool {
        var key = key
        return key.withUTF8 { k in
            let n = word.utf8CodeUnitCount
            guard k.count >= n else { return false }
            let w = word.utf8Start
            outer: for start in 0...(k.count - n) {
                for j in 0..<n where k[start + j] | 0x20 != w[j] { continue outer }
                return true
            }
            return false
        }
    }

    /// One batch's records into the slot: observations grouped by series (consecutive ones usually
    /// share one), so tables are touched once per series, not per observation.
    mutating func add(_ parts: [LangfuseRecords]) {
        var series: [(LiveSeries, UsageSums, [Double], [Double])] = []
        var last = -1
        // Borrowed, so the observation is read in place, not copied.
        func take(_ o: borrowing LangfuseObservation) {
            spans += 1
            if o.parentObservationID == nil { traces += 1 }
            let s = LiveSeries(
                model: o.model, environment: o.environment, agent: o.metadataText(AgentAttribution.agentKey),
                stage: o.metadataText(AgentAttribution.stageKey))
            if last < 0 || series[last].0 != s {
                last =
                    series.firstIndex { $0.0 == s }
                    ?? {
                        series.append((s, UsageSums(), [], [])); return series.count - 1
                    }()
            }
            series[last].1.observations += 1
            if o.level == .error {
                series[last].1.errors += 1
                errors += 1
            }
            if let u = o.usageDetails {
                series[last].1.tokens += u.overall
                for i in u.keys.indices where u.keys[i] != "total" {
                    if Self.contains(u.keys[i], "input") {
                        series[last].1.inputTokens += u.values[i]
                    } else if Self.contains(u.keys[i], "output") {
                        series[last].1.outputTokens += u.values[i]
                    }
                }
            }
            series[last].1.cost += o.costDetails?.overall ?? 0
            if let d = o.operationSeconds {
                operations += 1
                series[last].2.append(d)
            }
            if let t = o.firstTokenSeconds { series[last].3.append(t) }
        }
        for records in parts {
            for i in records.observations.indices { take(records.observations[i]) }
        }
        for (s, sums, durations, firstTokens) in series { add(s, sums, durations: durations, firstTokens: firstTokens) }
    }
}
