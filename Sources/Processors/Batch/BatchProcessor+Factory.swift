import CollectorCore
import ComponentModel

extension BatchProcessor.Config: ComponentConfig {}

extension BatchProcessor {
    /// Processors listed before it run per request, those after it per batch.
    public struct Factory: ProcessorFactory {
        public typealias Config = BatchProcessor.Config
        public init() {}
        public var type: String { BatchProcessor.type }
        public var example: String { "{}" }
        public var stage: ProcessorStage { .batching }
        public var signals: Set<Signal> { Set(Signal.allCases) }
        public func make(_ config: Config, settings: ComponentSettings) -> ProcessorRole {
            let clock = settings.clock
            return .batching(
                BatchingStage(spans: config.sendBatchSize, wait: config.timeout) { handoff in
                    Batcher(config: config, handoff: handoff, clock: clock)
                })
        }
    }
}
