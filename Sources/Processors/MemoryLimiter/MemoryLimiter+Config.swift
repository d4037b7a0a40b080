import CollectorCore

/// Admission control: bounded in-flight bytes, beyond which receivers push back. Its runtime
/// arrives with the daemon; the config is decoded and validated now.
public enum MemoryLimiter {
    public static let type = "memory_limiter"

    public struct Config: Sendable, Equatable {
        public var checkInterval: Duration
        public var limitMiB: Int
        public var spikeLimitMiB: Int

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            checkInterval = try map.duration("check_interval", default: .seconds(1))
            limitMiB = try map.int("limit_mib", default: 0, range: 0...1_048_576)
            guard limitMiB > 0 else { throw ConfigError(map.childPath("limit_mib"), "is required and must be positive") }
            // The collector's default spike allowance is a fifth of the limit.
            spikeLimitMiB = try map.int("spike_limit_mib", default: limitMiB / 5, range: 0...1_048_576)
            if spikeLimitMiB >= limitMiB {
                throw ConfigError(map.childPath("spike_limit_mib"), "must be below limit_mib (\(limitMiB))")
            }
            if checkInterval <= .zero { throw ConfigError(map.childPath("check_interval"), "must be positive") }
        }
    }
}
