import CollectorCore
import ComponentModel
import Logging

extension MemoryLimiter.Config: ComponentConfig {}

extension MemoryLimiter {
    /// One budget for the process: the first memory_limiter configured sets it, whichever pipelines
    /// list it, and requests in flight hold it, so a change to it needs a restart.
    public struct Factory: ProcessorFactory {
        public typealias Config = MemoryLimiter.Config
        public init() {}
        public var type: String { MemoryLimiter.type }
        public var example: String { "{limit_percentage: 80}" }
        public var stage: ProcessorStage { .admission }
        public var signals: Set<Signal> { Set(Signal.allCases) }
        public var reloadable: Bool { false }
        public func make(_ config: Config, settings: ComponentSettings) -> ProcessorRole {
            let total = MemoryLimiter.availableMemoryBytes()
            let bytes = config.admissionBytes(totalBytes: total)
            settings.logger.info("memory limit", metadata: ["admission_mib": "\(bytes >> 20)", "available_mib": "\(total >> 20)"])
            return .admission(Admission(limitBytes: max(bytes, 1 << 20)))
        }
    }
}
