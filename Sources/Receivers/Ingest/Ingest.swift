import CollectorCore
import OTLP

/// What both OTLP transports do once a request is decoded: refuse spans that cannot be placed in a
/// trace, hand the rest on, and count the outcome. Only the reply's wire form differs per transport.
struct Ingest: Sendable {
    let receiver: String
    let transport: String
    let consumer: any TraceConsumer
    let counters: Counters
    let limits: OTLPReceiverConfig.Limits

    struct Result {
        let outcome: ConsumeOutcome
        /// Spans refused for an all-zero trace or span id (a partial success when accepted).
        let rejected: Int
        var rejectedMessage: String {
            rejected == 0 ? "" : "\(rejected) span(s) refused: an all-zero trace id or span id cannot be placed in a trace"
        }
    }

    /// Before decoding: the refusal when the pipeline is already full (counted per request, since
    /// its spans are never decoded), else nil.
    func precheck(bodyBytes: Int) -> ConsumeOutcome? {
        guard let refusal = consumer.precheck(bodyBytes: bodyBytes) else { return nil }
        counters.add(.receiverRefusedRequests, 1, ["receiver": receiver, "transport": transport])
        return refusal
    }

    func deliver(_ batch: consuming TraceBatch, bodyBytes: Int) async -> Result {
        let droppedAttributes = batch.limitAttributes(perOwner: limits.maxAttributes)
        if droppedAttributes > 0 {
            counters.add(.droppedAttributes, droppedAttributes, ["receiver": receiver, "reason": "attribute_limit"])
        }
        let rejected = batch.removeSpansWithoutIDs()
        if rejected > 0 { counters.add(.droppedSpans, rejected, ["receiver": receiver, "reason": "missing_id"]) }
        let outcome = await consumer.consume(batch, bodyBytes: bodyBytes)
        let labels = ["receiver": receiver, "transport": transport]
        switch outcome {
        case .accepted: counters.add(.receiverAcceptedSpans, batch.spans.count, labels)
        case .refused: counters.add(.receiverRefusedSpans, batch.spans.count, labels)
        }
        return Result(outcome: outcome, rejected: rejected)
    }
}
