import CollectorCore
import GenAISemantics

/// The live view's numbers as JSON: the window folded into one slot, rates per second over the
/// covered time, percentiles from the histograms, the pipeline's drops, pushbacks and queues from
/// the counters, and the recent traces as trees.
struct LiveSummary {
    let all: LiveSlot
    let seconds: Double
    let window: Duration
    let counters: Counters
    let totals: [String: Double]
    let oldest: (at: Duration, totals: [String: Double])?
    let now: Duration
    let recent: [RecentTraces.Trace]

    static func number(_ x: Double) -> JSONValue { x.isFinite ? .double(x) : .null }

    static func percentiles(_ h: Histogram?, _ bounds: [Double]) -> [JSONMember] {
        guard let h, h.count > 0 else { return [] }
        return [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)].map { JSONMember($0.0, h.quantile($0.1, bounds: bounds).map(number) ?? .null) }
    }

    static func usage(_ name: String, _ u: UsageSums) -> [JSONMember] {
        [
            JSONMember("name", .string(name)), JSONMember("observations", .int(Int64(u.observations))), JSONMember("tokens", .int(u.tokens)),
            JSONMember("input_tokens", .int(u.inputTokens)), JSONMember("output_tokens", .int(u.outputTokens)),
            JSONMember("cost_usd", number(u.cost)), JSONMember("errors", .int(Int64(u.errors))),
        ]
    }

    /// Rows by cost, then tokens, then name: the costly ones first.
    static func ranked(_ table: [String: UsageSums]) -> [(String, UsageSums)] {
        table.sorted { ($0.value.cost, $0.value.tokens, $1.key) > ($1.value.cost, $1.value.tokens, $0.key) }
    }

    var json: JSONValue {
        let latency = MetricName.latencyBuckets
        let models: [JSONValue] = Self.ranked(all.models).map { name, u in
            .object(
                Self.usage(name, u) + Self.percentiles(all.modelLatency[name], latency)
                    + [JSONMember("time_to_first_token", .object(Self.percentiles(all.modelFirstToken[name], MetricName.firstTokenBuckets)))])
        }
        let stages: [JSONValue] = all.stageLatency.sorted { $0.key < $1.key }.map { name, h in
            .object([JSONMember("name", .string(name)), JSONMember("operations", .int(Int64(h.count)))] + Self.percentiles(h, latency))
        }
        var firstToken = Histogram(buckets: MetricName.firstTokenBuckets.count)
        for h in all.modelFirstToken.values { firstToken.merge(h) }
        let totalCost = all.models.values.reduce(0) { $0 + $1.cost }
        let totalTokens = all.models.values.reduce(Int64(0)) { $0 + $1.tokens }
        return .object([
            JSONMember("window_seconds", .int(window.components.seconds)),
            JSONMember("covered_seconds", Self.number(seconds)),
            JSONMember("spans", .int(Int64(all.spans))),
            JSONMember("traces", .int(Int64(all.traces))),
            JSONMember("spans_per_second", Self.number(Double(all.spans) / seconds)),
            JSONMember("traces_per_second", Self.number(Double(all.traces) / seconds)),
            JSONMember("error_rate", Self.number(all.spans == 0 ? 0 : Double(all.errors) / Double(all.spans))),
            JSONMember("errors", .int(Int64(all.errors))),
            JSONMember("tokens", .int(totalTokens)),
            JSONMember("cost_usd", Self.number(totalCost)),
            JSONMember("time_to_first_token", .object(Self.percentiles(firstToken, MetricName.firstTokenBuckets))),
            JSONMember("models", .array(models)),
            JSONMember("agents", .array(Self.ranked(all.agents).map { .object(Self.usage($0.0, $0.1)) })),
            JSONMember("environments", .array(Self.ranked(all.environments).map { .object(Self.usage($0.0, $0.1)) })),
            JSONMember("stages", .array(stages)),
            JSONMember("pipeline", .array(pipeline)),
            JSONMember("exporters", .array(exporters)),
            JSONMember("traces_recent", .array(recent.map(Self.trace))),
        ])
    }

    /// Drops, pushbacks and send failures: totals since start and the rate over the window.
    var pipeline: [JSONValue] {
        totals.sorted { $0.key < $1.key }.map { key, total in
            let parts = key.split(separator: "/", maxSplits: 2).map(String.init)
            var rate = 0.0
            if let oldest, now > oldest.at {
                let span = now - oldest.at
                let s = Double(span.components.seconds) + Double(span.components.attoseconds) / 1e18
                rate = (total - (oldest.totals[key] ?? 0)) / s
            }
            return .object([
                JSONMember("kind", .string(parts[0])), JSONMember("series", .string(parts.count > 1 ? parts[1] : "")),
                JSONMember("reason", .string(parts.count > 2 ? parts[2] : "")), JSONMember("total", Self.number(total)),
                JSONMember("per_second", Self.number(rate)),
            ])
        }
    }

    /// Each exporter's queue: depth, capacity, the age of its oldest record (disk queues), sends.
    var exporters: [JSONValue] {
        var rows: [String: [String: Double]] = [:]
        for (key, value) in counters.snapshot() {
            guard let exporter = key.labels["exporter"] else { continue }
            switch key.metric {
            case .exporterQueueSize: rows[exporter, default: [:]]["queue_size"] = value
            case .exporterQueueCapacity: rows[exporter, default: [:]]["queue_capacity"] = value
            case .persistentQueueOldestAgeSeconds: rows[exporter, default: [:]]["oldest_age_seconds"] = value
            case .exporterSentSpans, .exporterSentLogRecords, .exporterSentMetricPoints: rows[exporter, default: [:]]["sent", default: 0] += value
            case .exporterSendFailedSpans, .exporterSendFailedLogRecords, .exporterSendFailedMetricPoints:
                rows[exporter, default: [:]]["send_failed", default: 0] += value
            default: break
            }
        }
        return rows.sorted { $0.key < $1.key }.map { name, r in
            .object([JSONMember("name", .string(name))] + r.sorted { $0.key < $1.key }.map { JSONMember($0.key, Self.number($0.value)) })
        }
    }

    static func trace(_ t: RecentTraces.Trace) -> JSONValue {
        let start = t.observations.lazy.map(\.start).filter { $0 > 0 }.min() ?? 0
        let end = t.observations.lazy.map(\.end).max() ?? start
        return .object([
            JSONMember("id", .string(t.id.hex)), JSONMember("name", t.name.map(JSONValue.string) ?? .null),
            JSONMember("environment", .string(t.environment)), JSONMember("io_shown", .bool(t.redacted)),
            JSONMember("start", .string(Timestamp.iso8601Millis(unixNanos: start))),
            JSONMember("duration_ms", number(end >= start ? Double(end - start) / 1e6 : 0)),
            JSONMember("cost_usd", number(t.observations.reduce(0) { $0 + ($1.cost ?? 0) })),
            JSONMember("tokens", .int(t.observations.reduce(Int64(0)) { $0 + ($1.tokens ?? 0) })),
            JSONMember("observations_truncated", .int(Int64(t.truncated))),
            JSONMember("observations", .array(t.observations.map(observation))),
        ])
    }

    static func observation(_ o: RecentTraces.Observation) -> JSONValue {
        var m: [JSONMember] = [
            JSONMember("id", .string(o.id.hex)), JSONMember("parent", o.parent.map { .string($0.hex) } ?? .null),
            JSONMember("type", .string(o.type.rawValue)), JSONMember("name", .string(o.name)),
            JSONMember("model", o.model.map(JSONValue.string) ?? .null), JSONMember("agent", o.agent.map(JSONValue.string) ?? .null),
            JSONMember("tokens", o.tokens.map(JSONValue.int) ?? .null), JSONMember("cost_usd", o.cost.map(number) ?? .null),
            JSONMember("duration_ms", number(o.end >= o.start ? Double(o.end - o.start) / 1e6 : 0)), JSONMember("error", .bool(o.error)),
        ]
        if let i = o.input { m.append(JSONMember("input", .string(i))) }
        if let out = o.output { m.append(JSONMember("output", .string(out))) }
        return .object(m)
    }
}
