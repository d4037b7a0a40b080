import CollectorCore
import ComponentModel

extension AgentAttribution.Config: ComponentConfig {}

extension AgentAttribution {
    /// Runs on whole traces: it must follow `groupbytrace` and come before `batch`.
    public struct Factory: ProcessorFactory {
        public typealias Config = AgentAttribution.Config
        public init() {}
        public var type: String { AgentAttribution.type }
        public var example: String { "{}" }
        public var stage: ProcessorStage { .perTrace }
        public func make(_ config: Config, settings: ComponentSettings) -> ProcessorRole {
            .perTrace(AgentAttributionProcessor(config: config, counters: settings.counters))
        }
    }
}
