import CollectorCore

/// Provided cost: `langfuse.observation.cost_details`, else `gen_ai.usage.cost` or `llm.cost.total`
/// as `total`. Price-based inference is the cost_inference processor's job, not the translator's.
extension SpanContext {
    public func costDetails() -> CostDetails? {
        if isAggregateAgentSpan || isMarkedAggregate { return nil }
        return spanCost()
    }

    /// The cost the span carries, whether or not it is an aggregate of its descendants'.
    public func spanCost() -> CostDetails? {
        var cost = CostDetails()
        switch explicitDetails(.langfuseObservationCostDetails) {
        case .some(.some(let members)):
            for m in members { if let n = number(m.value), n >= 0 { cost[m.key] = n } }
        case .some(.none):
            return nil
        case .none:
            for key in MappingTables.providedTotalCostKeys {
                if let v = value(key), let n = number(batch.jsonValue(v)), n >= 0 {
                    cost["total"] = n
                    break
                }
            }
        }
        if cost.isEmpty { return nil }
        if cost["total"] == nil { cost["total"] = cost.values.reduce(0, +) }
        return cost.canonicalized()
    }
}
