/// Where receivers hand decoded batches. Returns once the batch is safely queued, or says why it
/// was refused, so the receiver can answer the client (OK, or 503 with Retry-After).
public protocol TraceConsumer: Sendable {
    /// Asked before decoding, so that a request that would be refused costs no decoding: the
    /// refusal, or nil when `consume` may well accept it (it still decides).
    func precheck(bodyBytes: Int) -> ConsumeOutcome?
    /// The memory budget (the `memory_limiter`) receivers reserve from while they read, decompress
    /// and decode a request, before they hold the bytes.
    var memory: any MemoryBudget { get }
    /// `reserved`: what the receiver holds reserved for this batch. On `.accepted` the consumer owns
    /// that reservation (and releases it when done with the batch); on `.refused` the caller does.
    func consume(_ batch: TraceBatch, bodyBytes: Int, reserved: Int) async -> ConsumeOutcome
    /// Whether a pipeline takes this signal from the receiver (else the receiver answers 404 /
    /// UNIMPLEMENTED before reading the body).
    func accepts(_ signal: Signal) -> Bool
    /// A text as the pipelines' redaction would leave it (a score comment that arrives by another
    /// route than spans): every redaction processor of every pipeline, in order; unchanged without one.
    func redact(text: String) -> String
}

extension TraceConsumer {
    public func precheck(bodyBytes: Int) -> ConsumeOutcome? { nil }
    public var memory: any MemoryBudget { UnlimitedMemory() }
    public func accepts(_ signal: Signal) -> Bool { signal == .traces }
    public func redact(text: String) -> String { text }
}

public enum ConsumeOutcome: Sendable, Equatable {
    case accepted
    /// Pushback: the client should retry after the given delay.
    case refused(reason: String, retryAfter: Duration)
    /// No tenant takes the request (401): its credentials or its claim name none that is routed.
    case unknownTenant(String)
}

/// Bytes in flight, bounded: a reservation is taken before memory is held and given back after.
public protocol MemoryBudget: Sendable {
    /// Reserves `bytes`, or returns false (and reserves nothing) when that would pass the limit.
    func tryReserve(_ bytes: Int) -> Bool
    func release(_ bytes: Int)
    var limitBytes: Int { get }
    /// How long a refused client should wait before retrying.
    var retryAfter: Duration { get }
}

/// No `memory_limiter`: every reservation succeeds.
public struct UnlimitedMemory: MemoryBudget {
    public init() {}
    public func tryReserve(_ bytes: Int) -> Bool { true }
    public func release(_ bytes: Int) {}
    public var limitBytes: Int { .max }
    public var retryAfter: Duration { .seconds(1) }
}

/// What one request holds reserved while it is read, decompressed and decoded. Grows in steps, so
/// a body read in 16 KiB parts costs a reservation per step, not per part. Owned by the one task
/// that handles the request.
public final class RequestReservation {
    public let budget: any MemoryBudget
    /// Reserved so far (at least what is in use).
    public private(set) var held = 0
    static let step = 256 << 10

    public init(budget: any MemoryBudget) { self.budget = budget }

    deinit { if held > 0 { budget.release(held) } }

    /// Makes room for `total` bytes in all; false when the budget is spent (nothing more is reserved).
    public func cover(_ total: Int) -> Bool {
        if total <= held { return true }
        let ahead = max(total, held + Self.step) - held
        if budget.tryReserve(ahead) { held += ahead; return true }
        let exact = total - held
        if exact < ahead, budget.tryReserve(exact) { held = total; return true }
        return false
    }

    /// Gives back what is held beyond `total` (after a buffer is freed).
    public func shrink(to total: Int) {
        if held > total {
            budget.release(held - total)
            held = total
        }
    }

    /// Hands the reservation over (to the consumer that accepted the batch): nothing is released.
    public func handOver() -> Int {
        defer { held = 0 }
        return held
    }
}
