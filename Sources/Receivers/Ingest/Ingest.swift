import CollectorCore
import OTLP

/// What both OTLP transports do once a request's bytes are in: decompress and decode them under
/// the request's memory reservation, apply the per-span limits, refuse spans that cannot be placed
/// in a trace, hand the rest on, and count the outcome. Only the reply's wire form differs.
struct Ingest: Sendable {
    let receiver: String
    let transport: String
    let consumer: any TraceConsumer
    let counters: Counters
    let limits: OTLPReceiver.Config.Limits

    enum Coding: String, Sendable { case identity, gzip, deflate, zstd }

    enum Outcome: Sendable {
        /// `rejected`: spans refused for an all-zero trace or span id (a partial success).
        case accepted(rejected: Int)
        /// Pushback: the client should retry later (503 / UNAVAILABLE).
        case refused(reason: String, retryAfter: Duration)
        /// 413 / RESOURCE_EXHAUSTED.
        case tooLarge(String)
        /// 400 / INVALID_ARGUMENT.
        case invalid(String)
        /// 401 / UNAUTHENTICATED: no tenant takes this request.
        case unauthorized(String)
    }

    static func rejectedMessage(_ rejected: Int) -> String {
        rejected == 0 ? "" : "\(rejected) span(s) refused: an all-zero trace id or span id cannot be placed in a trace"
    }

    /// A request refused by the receiver or its server, by reason (`memory_limit`, `too_large`,
    /// `invalid`, `unauthenticated`, `unsupported_media_type`, `not_found`, `method_not_allowed`,
    /// `max_connections`, and the slow-client timeouts).
    func countRefused(_ reason: String) {
        counters.add(.receiverRefusedRequests, 1, ["receiver": receiver, "transport": transport, "reason": reason])
    }

    /// Before reading or decoding: the refusal when the pipeline is already full (counted per request,
    /// since its spans are never decoded), else nil.
    func precheck(bodyBytes: Int) -> ConsumeOutcome? {
        guard let refusal = consumer.precheck(bodyBytes: bodyBytes) else { return nil }
        countRefused(WireStatus.overMemoryLimit.reason)
        return refusal
    }

    func receive(
        _ received: [UInt8], coding: Coding, json: Bool, maxBodyBytes: Int, reservation: RequestReservation, tenant: String? = nil,
        signal: Signal = .traces
    ) async -> Outcome {
        if case .refused(let reason, let retryAfter)? = precheck(bodyBytes: received.count) {
            return .refused(reason: reason, retryAfter: retryAfter)
        }
        let batch: TraceBatch
        let bodyBytes: Int
        do throws(OTLPDecodingError) {
            var body = received
            let compressed = body.count
            switch coding {
            case .identity: break
            case .gzip, .deflate:
                body = try Gzip.decompress(body, limit: maxBodyBytes, zlibHeader: coding == .deflate) { reservation.cover(compressed + $0) }
            case .zstd:
                body = try Zstd.decompress(body, limit: maxBodyBytes) { reservation.cover(compressed + $0) }
            }
            if coding != .identity { reservation.shrink(to: compressed + body.capacity) }
            bodyBytes = body.count
            let base = coding == .identity ? body.capacity : compressed + body.capacity
            let budget = maxBodyBytes * OTLPRequestDecoder.decodedBytesPerBodyByte
            batch =
                json
                ? try OTLPJSONDecoder(maxDecodedBytes: budget).decode(body, signal: signal) { reservation.cover(base + $0) }
                : try OTLPProtobufDecoder(maxDecodedBytes: budget).decode(body, signal: signal) { reservation.cover(base + $0) }
        } catch {
            switch error.kind {
            case .overMemoryBudget:
                countRefused(WireStatus.overMemoryLimit.reason)
                return .refused(
                    reason: "memory limit of \(reservation.budget.limitBytes >> 20) MiB in flight reached",
                    retryAfter: reservation.budget.retryAfter)
            case .tooLarge, .decodedTooLarge:
                countRefused(WireStatus.tooLarge.reason)
                return .tooLarge("request too large: \(error)")
            case .decompression:
                countRefused(WireStatus.invalid.reason)
                return .invalid("cannot decompress body: \(error)")
            default:
                countRefused(WireStatus.invalid.reason)
                return .invalid("invalid OTLP \(signal == .traces ? "trace" : signal == .logs ? "logs" : "metrics") request: \(error)")
            }
        }
        // What the batch holds now: its byte store and tables (the received and decompressed
        // bodies it does not share are freed on return).
        let held = batch.bytes.capacity + batch.tableBytes
        guard reservation.cover(held) else {
            countRefused(WireStatus.overMemoryLimit.reason)
            return .refused(
                reason: "memory limit of \(reservation.budget.limitBytes >> 20) MiB in flight reached",
                retryAfter: reservation.budget.retryAfter)
        }
        reservation.shrink(to: held)
        return await deliver(batch, bodyBytes: bodyBytes, reservation: reservation, tenant: tenant)
    }

    func deliver(_ batch: consuming TraceBatch, bodyBytes: Int, reservation: RequestReservation, tenant: String? = nil) async -> Outcome {
        batch.tenant = tenant
        let droppedAttributes = batch.limitAttributes(perOwner: limits.maxAttributes)
        if droppedAttributes > 0 {
            counters.add(.droppedAttributes, droppedAttributes, ["receiver": receiver, "reason": "attribute_limit"])
        }
        let rejected = batch.signal == .traces ? batch.removeSpansWithoutIDs() : 0
        if rejected > 0 { counters.add(.droppedSpans, rejected, ["receiver": receiver, "reason": "missing_id"]) }
        let outcome = await consumer.consume(batch, bodyBytes: bodyBytes, reserved: reservation.held)
        let labels = ["receiver": receiver, "transport": transport]
        switch outcome {
        case .accepted:
            _ = reservation.handOver()  // the consumer holds it until the batch is exported
            counters.add(.receiverItems(batch.signal, accepted: true), batch.itemCount, labels)
            return .accepted(rejected: rejected)
        case .refused(let reason, let retryAfter):
            counters.add(.receiverItems(batch.signal, accepted: false), batch.itemCount, labels)
            return .refused(reason: reason, retryAfter: retryAfter)
        case .unknownTenant(let message):
            countRefused("unknown_tenant")
            counters.add(.receiverItems(batch.signal, accepted: false), batch.itemCount, labels)
            return .unauthorized(message)
        }
    }
}
