import CollectorCore
import ComponentModel

extension TailSampling.Config: ComponentConfig {}

extension TailSampling {
    /// Runs on whole traces: it must follow `groupbytrace` and come before `batch`.
    public struct Factory: ProcessorFactory {
        public typealias Config = TailSampling.Config
        public init() {}
        public var type: String { TailSampling.type }
        public var example: String { "{policies: [{name: all, type: always_sample}]}" }
        public var stage: ProcessorStage { .sampling }
        public func make(_ config: Config, settings: ComponentSettings) -> ProcessorRole {
            .sampling(TailSampler(config: config, counters: settings.counters, processor: settings.id.description))
        }
    }
}
