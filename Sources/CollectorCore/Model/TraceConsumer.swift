/// Where receivers hand decoded batches. Returns once the batch is safely queued, or says why it
/// was refused, so the receiver can answer the client (OK, or 503 with Retry-After).
public protocol TraceConsumer: Sendable {
    func consume(_ batch: TraceBatch, bodyBytes: Int) async -> ConsumeOutcome
}

public enum ConsumeOutcome: Sendable, Equatable {
    case accepted
    /// Pushback: the client should retry after the given delay.
    case refused(reason: String, retryAfter: Duration)
}
