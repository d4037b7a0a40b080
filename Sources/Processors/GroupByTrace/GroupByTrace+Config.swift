import CollectorCore

/// `processors.groupbytrace`: holds each trace's spans until the trace is complete, then hands it on
/// as one piece, so what follows (tail sampling, per-trace rows) sees whole traces.
public enum GroupByTrace {
    public static let type = "groupbytrace"

    public struct Config: Sendable, Equatable {
        /// Quiet time after a trace's last span, once its root has arrived.
        public var waitDuration: Duration
        /// Quiet time after which a trace whose root never came is released anyway.
        public var rootWait: Duration
        public var numTraces: Int
        /// The buffer's memory bound; at most half the memory limiter's budget is used.
        public var maxSizeMiB: Int

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            waitDuration = try map.duration("wait_duration", default: .seconds(5))
            if waitDuration <= .zero { throw ConfigError(map.childPath("wait_duration"), "must be positive") }
            rootWait = try map.duration("root_wait", default: max(.seconds(30), waitDuration))
            if rootWait < waitDuration { throw ConfigError(map.childPath("root_wait"), "must be at least wait_duration") }
            numTraces = try map.int("num_traces", default: 100_000, range: 1...10_000_000)
            maxSizeMiB = try map.int("max_size_mib", default: 256, range: 1...1_048_576)
        }

        public var limits: TraceBuffer.Limits {
            TraceBuffer.Limits(wait: waitDuration, rootWait: rootWait, maxTraces: numTraces, maxBytes: maxSizeMiB << 20)
        }
    }
}
