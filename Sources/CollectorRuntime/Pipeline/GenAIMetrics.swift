import CollectorCore
import GenAIMapping

/// The GenAI series of `/metrics`, from the translated records of each exported batch: observations
/// by type and environment, tokens and cost by model, environment, observation type and bucket.
/// Aggregated per batch so the counters' lock is taken once per batch.
enum GenAIMetrics {
    static func record(_ records: LangfuseRecords, into counters: Counters) {
        var sums: [Counters.Key: Double] = [:]
        for o in records.observations {
            let type = o.type.rawValue.lowercased()
            sums[Counters.Key(.observations, ["type": type, "environment": o.environment]), default: 0] += 1
            guard let model = o.model else { continue }
            for (key, n) in o.usageDetails?.pairs ?? [] {
                sums[Counters.Key(.tokens, ["model": model, "environment": o.environment, "observation_type": type, "usage": key]), default: 0] += Double(n)
            }
            for (key, usd) in o.costDetails?.pairs ?? [] {
                sums[Counters.Key(.costUSD, ["model": model, "environment": o.environment, "observation_type": type, "cost": key]), default: 0] += usd
            }
        }
        counters.add(Array(sums))
    }
}
