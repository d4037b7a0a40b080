import CollectorCore

/// What cost inference prices, read from one span by the rules that also build the exported
/// observation, so a processor prices exactly the model and usage that the observation will carry.
public struct PricingFacts: Sendable {
    /// Index into `batch.spans`.
    public let span: Int
    public let type: ObservationType
    public let environment: String
    public let model: String?
    public let modelParameters: [JSONMember]?
    public let usage: UsageDetails?
    /// Cost the span already carries (`langfuse.observation.cost_details`, `gen_ai.usage.cost` ...).
    public let providedCost: CostDetails?
    /// The observation's own metadata (top-level keys), for tier conditions on metadata.
    public let metadata: [JSONMember]
}

extension SpanWalker {
    /// Visits every span of the batch with its pricing facts, in table order.
    public func pricingFacts(_ batch: TraceBatch, _ visit: (PricingFacts) -> Void) {
        forEachSpan(batch) { ctx, spanIndex in
            visit(
                PricingFacts(
                    span: spanIndex, type: ctx.observationType(), environment: ctx.environment(),
                    model: ctx.modelName(), modelParameters: ctx.modelParameters(), usage: ctx.usageDetails(),
                    providedCost: ctx.costDetails(), metadata: ctx.userMetadata(.observation)))
        }
    }
}
