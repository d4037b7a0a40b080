import CollectorCore
import ComponentModel
import Logging

extension GroupByTrace.Config: ComponentConfig {}

extension GroupByTrace {
    /// Processors listed before it run per request; those between it and `batch` run per trace.
    public struct Factory: ProcessorFactory {
        public typealias Config = GroupByTrace.Config
        public init() {}
        public var type: String { GroupByTrace.type }
        public var example: String { "{wait_duration: 5s}" }
        public var stage: ProcessorStage { .grouping }
        public func make(_ config: Config, settings: ComponentSettings) -> ProcessorRole {
            .grouping(
                GroupingStage { budget, forward in
                    var limits = config.limits
                    if limits.maxBytes > budget / 2 {
                        // Held traces keep their requests' admitted bytes: a buffer as large as the
                        // budget would refuse every request until its traces fall due.
                        settings.logger.warning(
                            "groupbytrace: max_size_mib is more than half the memory limiter's budget; holding at most half",
                            metadata: ["processor": "\(settings.id)", "bytes": "\(budget / 2)"])
                        limits.maxBytes = budget / 2
                    }
                    return GroupByTraceBuffer(limits: limits, settings: settings, forward: forward)
                })
        }
    }
}
