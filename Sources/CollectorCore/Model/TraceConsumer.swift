/// Where receivers hand decoded batches. Returns once the batch is safely queued, or says why it
/// was refused, so the receiver can answer the client (OK, or 503 with Retry-After).
public protocol TraceConsumer: Sendable {
    /// Asked before decoding, so that a request that would be refused costs no decoding: the
    /// refusal, or nil when `consume` may well accept it (it still decides).
    func precheck(bodyBytes: Int) -> ConsumeOutcome?
    func consume(_ batch: TraceBatch, bodyBytes: Int) async -> ConsumeOutcome
}

extension TraceConsumer {
    public func precheck(bodyBytes: Int) -> ConsumeOutcome? { nil }
}

public enum ConsumeOutcome: Sendable, Equatable {
    case accepted
    /// Pushback: the client should retry after the given delay.
    case refused(reason: String, retryAfter: Duration)
}
