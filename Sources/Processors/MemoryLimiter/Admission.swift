import CollectorCore
import Synchronization

/// Bounded in-flight bytes (the `memory_limiter`): receivers reserve what they read, decompress
/// and decode before they hold it, and a request is admitted only while everything accepted and not
/// yet exported stays under the limit; beyond it receivers answer 503 with Retry-After. Each batch's
/// cost is released when every exporter is done with it.
public final class Admission: MemoryBudget, Sendable {
    /// The early estimate, before a body is decoded: tables, translation and encoding cost about
    /// this many times the request body.
    static let bytesPerBodyByte = 3
    /// Translation and each exporter's encoding, beyond the batch itself, per body byte.
    static let processingBytesPerBodyByte = 2

    private let inFlight = Atomic<Int>(0)
    public let limitBytes: Int
    public let retryAfter: Duration

    public init(limitBytes: Int, retryAfter: Duration = .seconds(1)) {
        self.limitBytes = limitBytes
        self.retryAfter = retryAfter
    }

    public static let unlimited = Admission(limitBytes: .max)

    public func cost(ofBody bytes: Int) -> Int { bytes * Self.bytesPerBodyByte }

    /// What an accepted batch costs until exported: the memory the receiver reserved for it (its
    /// bytes and decoded tables) plus translation and encoding; never less than the early estimate.
    public func cost(ofBody bytes: Int, reserved: Int) -> Int {
        max(cost(ofBody: bytes), reserved + bytes * Self.processingBytesPerBodyByte)
    }

    public var inFlightBytes: Int { inFlight.load(ordering: .relaxed) }

    /// Whether `bytes` would fit now (a hint; `tryReserve` decides).
    public func wouldAdmit(_ bytes: Int) -> Bool {
        inFlight.load(ordering: .relaxed) <= limitBytes - bytes
    }

    /// Reserves `bytes`, or returns false when that would pass the limit.
    public func tryReserve(_ bytes: Int) -> Bool {
        var current = inFlight.load(ordering: .relaxed)
        while true {
            guard current <= limitBytes - bytes else { return false }
            let (exchanged, original) = inFlight.compareExchange(expected: current, desired: current + bytes, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
    }

    public func release(_ bytes: Int) {
        inFlight.subtract(bytes, ordering: .releasing)
    }
}
