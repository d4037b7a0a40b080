import CollectorCore
import Synchronization

/// Bounded in-flight bytes (the `memory_limiter`): a request is admitted only while the estimated
/// memory of everything accepted and not yet exported stays under the limit; beyond it receivers
/// answer 503 with Retry-After. Each batch's cost is released when every exporter is done with it.
public final class Admission: Sendable {
    /// Decoded tables, translation and encoding cost about this many times the request body.
    static let bytesPerBodyByte = 3

    private let inFlight = Atomic<Int>(0)
    public let limitBytes: Int
    let retryAfter: Duration

    public init(limitBytes: Int, retryAfter: Duration = .seconds(1)) {
        self.limitBytes = limitBytes
        self.retryAfter = retryAfter
    }

    public static let unlimited = Admission(limitBytes: .max)

    public func cost(ofBody bytes: Int) -> Int { bytes * Self.bytesPerBodyByte }

    /// Whether `bytes` would fit now (a hint; `tryAcquire` decides).
    public func wouldAdmit(_ bytes: Int) -> Bool {
        inFlight.load(ordering: .relaxed) <= limitBytes - bytes
    }

    /// Reserves `bytes`, or returns false when that would pass the limit.
    public func tryAcquire(_ bytes: Int) -> Bool {
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
