import CollectorCore
import CollectorQueue
import ExporterHelper
import ComponentModel
import Processors
import GenAIMapping

/// The GenAI series of `/metrics`, from the translated records of each exported batch: observations
/// by type and environment, tokens and cost by model, environment, observation type and bucket.
/// Aggregated per distinct series within the batch (consecutive observations usually share one), so
/// label sets are built and hashed once per series, not once per observation.
enum GenAIMetrics {
    /// Distinct values kept per label, all from clients; the rest are `other` (counted).
    static let limits = (model: 200, environment: 50, usageKey: 50, costKey: 50)

    private struct Series: Equatable {
        var model: String?
        var environment: String
        var type: ObservationType
    }

    private struct Sums {
        var observations = 0
        var tokens: [(String, Double)] = []
        var cost: [(String, Double)] = []

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
                let s = Series(model: model, environment: records.observations[i].environment, type: records.observations[i].type)
                if last < 0 || series[last].0 != s {
                    last =
                        series.firstIndex { $0.0 == s }
                        ?? {
                            series.append((s, Sums())); return series.count - 1
                        }()
                }
                series[last].1.observations += 1
                guard model != nil else { continue }
                for (key, n) in records.observations[i].usageDetails?.pairs ?? [] { Sums.add(&series[last].1.tokens, key, Double(n)) }
                for (key, usd) in records.observations[i].costDetails?.pairs ?? [] { Sums.add(&series[last].1.cost, key, usd) }
            }
        }
        var out: [(Counters.Key, Double)] = []
        var observations: [Counters.Key: Double] = [:]
        for (s, sums) in series {
            let type = s.type.rawValue.lowercased()
            let environment = counters.bounded("environment", s.environment, limit: limits.environment)
            observations[Counters.Key(.observations, ["type": type, "environment": environment]), default: 0] += Double(sums.observations)
            guard let model = s.model else { continue }
            let base = ["model": counters.bounded("model", model, limit: limits.model), "environment": environment, "observation_type": type]
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
    }
}
