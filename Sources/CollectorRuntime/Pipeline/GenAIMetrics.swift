import CollectorCore
import CollectorQueue
import ExporterHelper
import ComponentModel
import Processors
import GenAIMapping

/// The GenAI series of `/metrics`, from the translated records of each exported batch: observations
/// by type and environment; tokens and cost by model, environment, observation type, agent and
/// bucket; operation durations and time to first token (histograms); errors; aggregates' usage.
/// Aggregated per distinct series within the batch (consecutive observations usually share one), so
/// label sets are built and hashed once per series, not once per observation.
enum GenAIMetrics {
    /// Distinct values kept per label, all from clients; the rest are `other` (counted).
    static let limits = (model: 200, environment: 50, usageKey: 50, costKey: 50, agent: 100, scoreName: 100)

    private struct Series: Equatable {
        var model: String?
        var environment: String
        var type: ObservationType
        /// The owning agent (metadata `agent`, which `agent_attribution` writes).
        var agent: String?
    }

    private struct Sums {
        var observations = 0
        var tokens: [(String, Double)] = []
        var cost: [(String, Double)] = []
        var aggregatedTokens: [(String, Double)] = []
        var aggregatedCost: [(String, Double)] = []
        /// Seconds, for the histograms: each operation's duration, each streamed call's first token.
        var durations: [Double] = []
        var firstTokens: [Double] = []
        var errors = 0

        mutating func add(_ o: borrowing LangfuseObservation) {
            observations += 1
            if o.level == .error { errors += 1 }
            if let d = o.operationSeconds { durations.append(d) }
            if let t = o.firstTokenSeconds { firstTokens.append(t) }
            for (key, n) in o.aggregatedUsage?.pairs ?? [] { Self.add(&aggregatedTokens, key, Double(n)) }
            for (key, usd) in o.aggregatedCost?.pairs ?? [] { Self.add(&aggregatedCost, key, usd) }
            guard o.model != nil else { return }
            for (key, n) in o.usageDetails?.pairs ?? [] { Self.add(&tokens, key, Double(n)) }
            for (key, usd) in o.costDetails?.pairs ?? [] { Self.add(&cost, key, usd) }
        }

        static func add(_ list: inout [(String, Double)], _ key: String, _ x: Double) {
            if let i = list.firstIndex(where: { $0.0 == key }) { list[i].1 += x } else { list.append((key, x)) }
        }
    }

    /// Translation notes by reason; only those that occurred, so an absent series means none yet.
    static func record(_ notes: TranslationNotes, into counters: Counters) {
        for (note, n) in notes.nonZero { counters.add(.translationNotes, n, ["reason": note.rawValue]) }
    }

    /// Tokens and cost by tenant, for the parts a `routing` connector tagged (`records[i]` is
    /// `parts[i]`'s translation). Summed as the GenAI series sum them: observations with a model.
    static func recordTenants(_ parts: [TraceBatch], _ records: [LangfuseRecords], into counters: Counters) {
        recordTenants(zip(parts, records).map { ($0.tenant, $1) }, into: counters)
    }

    /// Durable mode: the records a queue sent, all of one tenant (the pipeline's only one).
    static func recordTenant(_ tenant: String, _ records: [LangfuseRecords], into counters: Counters) {
        recordTenants(records.map { (tenant, $0) }, into: counters)
    }

    static func recordTenants(_ tagged: [(String?, LangfuseRecords)], into counters: Counters) {
        guard tagged.contains(where: { $0.0 != nil }) else { return }
        var tokens: [String: Double] = [:]
        var cost: [String: Double] = [:]
        for (tenant, r) in tagged {
            guard let tenant else { continue }
            for o in r.observations where o.model != nil {
                if let u = o.usageDetails { tokens[tenant, default: 0] += Double(u.overall) }
                if let c = o.costDetails { cost[tenant, default: 0] += c.overall }
            }
        }
        var out: [(Counters.Key, Double)] = []
        for (tenant, n) in tokens { out.append((Counters.Key(.tenantTokens, ["tenant": counters.bounded("tenant", tenant, limit: 100)]), n)) }
        for (tenant, usd) in cost { out.append((Counters.Key(.tenantCostUSD, ["tenant": counters.bounded("tenant", tenant, limit: 100)]), usd)) }
        counters.add(out)
    }

    static func record(_ parts: [LangfuseRecords], into counters: Counters) {
        var series: [(Series, Sums)] = []
        var last = -1
        for records in parts {
            // By index, so each observation is read in place, not copied.
            for i in records.observations.indices {
                let model = records.observations[i].model
                let s = Series(
                    model: model, environment: records.observations[i].environment, type: records.observations[i].type,
                    agent: records.observations[i].metadataText(AgentAttribution.agentKey))
                if last < 0 || series[last].0 != s {
                    last =
                        series.firstIndex { $0.0 == s }
                        ?? {
                            series.append((s, Sums())); return series.count - 1
                        }()
                }
                series[last].1.add(records.observations[i])
            }
        }
        var out: [(Counters.Key, Double)] = []
        var scores: [Counters.Key: Double] = [:]
        for records in parts {
            for sc in records.scores {
                let labels = ["name": counters.bounded("score_name", sc.name, limit: limits.scoreName), "data_type": sc.dataType.rawValue, "source": sc.source]
                scores[Counters.Key(.scores, labels), default: 0] += 1
            }
        }
        out += Array(scores)
        var observed: [(Counters.Key, Double)] = []
        var observations: [Counters.Key: Double] = [:]
        for (s, sums) in series {
            let type = s.type.rawValue.lowercased()
            let environment = counters.bounded("environment", s.environment, limit: limits.environment)
            let agent = s.agent.map { counters.bounded("agent", $0, limit: limits.agent) } ?? "none"
            let modelLabel = s.model.map { counters.bounded("model", $0, limit: limits.model) } ?? "none"
            observations[Counters.Key(.observations, ["type": type, "environment": environment]), default: 0] += Double(sums.observations)
            if !sums.durations.isEmpty {
                let key = Counters.Key(.operationDuration, ["model": modelLabel, "type": type, "environment": environment, "agent": agent])
                observed += sums.durations.map { (key, $0) }
            }
            if !sums.firstTokens.isEmpty {
                let key = Counters.Key(.timeToFirstToken, ["model": modelLabel])
                observed += sums.firstTokens.map { (key, $0) }
            }
            if sums.errors > 0 {
                out.append(
                    (Counters.Key(.observationErrors, ["model": modelLabel, "agent": agent, "type": type, "environment": environment]), Double(sums.errors)))
            }
            for (key, n) in sums.aggregatedTokens {
                out.append((Counters.Key(.aggregatedTokens, ["agent": agent, "usage": counters.bounded("usage", key, limit: limits.usageKey)]), n))
            }
            for (key, usd) in sums.aggregatedCost {
                out.append((Counters.Key(.aggregatedCostUSD, ["agent": agent, "cost": counters.bounded("cost", key, limit: limits.costKey)]), usd))
            }
            guard s.model != nil else { continue }
            let base = ["model": modelLabel, "environment": environment, "observation_type": type, "agent": agent]
            for (key, n) in sums.tokens {
                let usage = counters.bounded("usage", key, limit: limits.usageKey)
                out.append((Counters.Key(.tokens, base.merging(["usage": usage]) { $1 }), n))
            }
            for (key, usd) in sums.cost {
                let cost = counters.bounded("cost", key, limit: limits.costKey)
                out.append((Counters.Key(.costUSD, base.merging(["cost": cost]) { $1 }), usd))
            }
        }
        counters.add(out + Array(observations))
        counters.observe(observed)
    }
}
