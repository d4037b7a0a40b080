import CollectorCore

/// One Langfuse observation made from one span. Every exporter that writes Langfuse records
/// (ingestion API, ClickHouse, S3) encodes this same value, reading `RecordValue`s from the batch.
public struct LangfuseObservation: Sendable, Equatable {
    public var id: SpanID
    public var traceID: TraceID
    public var parentObservationID: SpanID?
    public var type: ObservationType
    public var name: String
    public var startTimeUnixNano: UInt64
    public var endTimeUnixNano: UInt64
    /// ISO-8601 text: Langfuse keeps a provided value verbatim (timezone, microseconds).
    public var completionStartTime: String?
    public var model: String?
    public var modelParameters: [JSONMember]?
    public var usageDetails: UsageDetails?
    public var costDetails: CostDetails?
    /// What an aggregate span (`agent_attribution`) carried instead of usage and cost: the sum of
    /// its descendants', kept apart (and in metadata as `aggregated_usage`, `aggregated_cost`).
    public var aggregatedUsage: UsageDetails?
    public var aggregatedCost: CostDetails?
    public var input: RecordValue?
    public var output: RecordValue?
    public var metadata: [RecordMember]
    public var level: ObservationLevel
    public var statusMessage: String?
    public var version: String?
    public var environment: String
    public var promptName: String?
    public var promptVersion: Int?
    /// The price the collector's cost_inference matched: catalog model id and tier (ClickHouse's
    /// `internal_model_id`, `usage_pricing_tier_id`, `usage_pricing_tier_name`); nil when the cost
    /// was provided by the client or not computed.
    public var pricedModelID: String?
    public var pricingTierID: String?
    public var pricingTierName: String?

    /// Seconds from start to end for an operation (every type but plain spans and events, which
    /// are structure); nil otherwise. What the duration histogram and the live view time.
    public var operationSeconds: Double? {
        guard type != .span && type != .event, endTimeUnixNano >= startTimeUnixNano else { return nil }
        return Double(endTimeUnixNano - startTimeUnixNano) / 1e9
    }

    /// Seconds from start to the first token, where the completion's start is known and not before it.
    public var firstTokenSeconds: Double? {
        guard let text = completionStartTime, let ms = Timestamp.millis(iso: text) else { return nil }
        let t = (Double(ms) - Double(startTimeUnixNano / 1_000_000)) / 1000
        return t >= 0 ? t : nil
    }

    /// A metadata key's value when it is text (`agent`, `stage`): nil when absent or not a string.
    public func metadataText(_ key: String) -> String? {
        for m in metadata where m.key == key {
            if case .json(.string(let s)) = m.value { return s }
            return nil
        }
        return nil
    }

    public init(id: SpanID, traceID: TraceID, type: ObservationType, name: String, environment: String) {
        self.id = id
        self.traceID = traceID
        self.type = type
        self.name = name
        self.environment = environment
        parentObservationID = nil
        startTimeUnixNano = 0
        endTimeUnixNano = 0
        metadata = []
        level = .default
    }
}
