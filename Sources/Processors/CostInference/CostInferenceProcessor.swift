import CollectorCore
import GenAISemantics
import Synchronization

/// Prices every span that names a model and carries usage: the model is matched against the price
/// catalog (built-in, then a price file and inline models on top), a tier chosen, and the cost of
/// each priced usage key plus `total` written as `langfuse.observation.cost_details`, with the matched
/// model and tier (names, and ids where the catalog has them) beside it. Model and usage are read by
/// the semantics layer's rules, the ones the translator uses, so the cost fits the exported observation. A span that already carries a cost keeps it, unless
/// the cost is all zeros (`provided_cost: keep_nonzero`, the default) or `provided_cost: recompute`.
/// An unknown model gets no cost; it is counted by name.
public struct CostInferenceProcessor: SpanProcessor {
    public static let type = "cost_inference"
    /// Distinct unknown model names kept as metric labels per processor; the rest count as `other`.
    static let maxUnknownModelLabels = 100

    public let id: String
    public let config: Config
    private let matches: MatchCache

    public init(id: String = type, config: Config) {
        self.id = id
        self.config = config
        matches = MatchCache(catalog: config.catalog)
    }

    public func process(_ batch: inout TraceBatch) -> ProcessorOutcome {
        var outcome = ProcessorOutcome()
        var updates: [(span: Int, cost: String, model: String, tier: String, modelID: String?, tierID: String?)] = []
        SpanWalker().pricingFacts(batch) { f in
            guard let modelName = f.model else { outcome.add("no_model"); return }
            var overZero = false
            if let provided = f.providedCost {
                switch config.providedCost {
                case .recompute: break
                case .keep: outcome.add("provided_kept"); return
                case .keepNonzero:
                    guard provided.values.allSatisfy({ $0 == 0 }) else { outcome.add("provided_kept"); return }
                    overZero = true
                }
            }
            guard let usage = f.usage, !usage.isEmpty else { outcome.add("no_usage"); return }
            guard let model = matches.match(modelName) else {
                outcome.add("unknown_model")
                let label = matches.unknownLabel(modelName)
                if label == nil { outcome.add(.labelOverflow, ["label": "model"]) }
                outcome.add(.costUnknownModelSpans, ["processor": id, "model": label ?? "other"])
                return
            }
            let tier = model.tier(parameters: f.modelParameters, metadata: f.metadata, usage: usage)
            guard let cost = Self.cost(usage: usage, prices: tier.prices) else { outcome.add("no_priced_usage"); return }
            updates.append((f.span, Self.json(cost), model.name, tier.name, model.id, tier.id))
            outcome.add(overZero ? "priced_over_zero" : "priced")
        }
        guard !updates.isEmpty else { return outcome }
        let costKey = batch.store(AttributeKey.langfuseObservationCostDetails.rawValue)
        let modelKey = batch.store(CollectorAttributeKey.costModel)
        let tierKey = batch.store(CollectorAttributeKey.costTier)
        let modelIDKey = batch.store(CollectorAttributeKey.costModelID)
        let tierIDKey = batch.store(CollectorAttributeKey.costTierID)
        var stored: [String: ByteRange] = [:]
        for u in updates {
            batch.setSpanAttribute(u.span, key: costKey, value: .string(batch.store(u.cost)))
            let model = stored[u.model] ?? batch.store(u.model)
            stored[u.model] = model
            let tier = stored[u.tier] ?? batch.store(u.tier)
            stored[u.tier] = tier
            batch.setSpanAttribute(u.span, key: modelKey, value: .string(model))
            batch.setSpanAttribute(u.span, key: tierKey, value: .string(tier))
            for (key, id) in [(modelIDKey, u.modelID), (tierIDKey, u.tierID)] {
                guard let id else { continue }
                let r = stored[id] ?? batch.store(id)
                stored[id] = r
                batch.setSpanAttribute(u.span, key: key, value: .string(r))
            }
        }
        return outcome
    }

    /// Cost per priced usage key (usage × price), and `total`: the usage total times a `total`
    /// price when the model has one, else the sum of the per-key costs. Nil when nothing is priced.
    public static func cost(usage: UsageDetails, prices: [String: Double]) -> CostDetails? {
        var keys: [String] = []
        var values: [Double] = []
        var sum = 0.0
        for (key, n) in zip(usage.keys, usage.values) where key != "total" {
            guard let price = prices[key] else { continue }
            let c = Double(n) * price
            keys.append(key)
            values.append(c)
            sum += c
        }
        let total: Double
        if let price = prices["total"], let n = usage["total"] {
            total = Double(n) * price
        } else {
            guard !keys.isEmpty else { return nil }
            total = sum
        }
        var out = CostDetails(keys.indices.map { (keys[$0], values[$0]) })
        out["total"] = total
        return out.canonicalized()
    }

    static func json(_ cost: CostDetails) -> String {
        JSONWriter.serialize(.object(zip(cost.keys, cost.values).map { JSONMember($0.0, .double($0.1)) }))
    }
}

/// Model name → catalog entry, remembered: a batch names few models, and a regex scan over the
/// whole catalog per span would dominate. Bounded, since names come from clients.
final class MatchCache: Sendable {
    static let capacity = 10_000
    private let catalog: PriceCatalog
    private let known = Mutex<[String: Int]>([:])  // index into catalog.models, -1 for no match

    private let unknownNames = Mutex<Set<String>>([])

    init(catalog: PriceCatalog) {
        self.catalog = catalog
    }

    /// The metric label for an unknown model: its name, for the first `maxUnknownModelLabels` names;
    /// nil past them (the caller counts the overflow and labels it `other`).
    func unknownLabel(_ name: String) -> String? {
        unknownNames.withLock { names in
            if names.contains(name) { return name }
            guard names.count < CostInferenceProcessor.maxUnknownModelLabels else { return nil }
            names.insert(name)
            return name
        }
    }

    func match(_ name: String) -> PriceCatalog.Model? {
        if let i = known.withLock({ $0[name] }) { return i < 0 ? nil : catalog.models[i] }
        let i = catalog.models.firstIndex { $0.pattern.matches(name) } ?? -1
        known.withLock { if $0.count < Self.capacity { $0[name] = i } }
        return i < 0 ? nil : catalog.models[i]
    }
}
