import CollectorCore
import ComponentModel

extension LogJoin.Config: ComponentConfig {}

extension LogJoin {
    /// One instance per id in a generation, shared by the traces and logs pipelines listing it.
    public struct Factory: ProcessorFactory {
        public typealias Config = LogJoin.Config
        public init() {}
        public var type: String { LogJoin.type }
        public var example: String { "{join_window: 5s}" }
        public var stage: ProcessorStage { .joining }
        public var signals: Set<Signal> { [.traces, .logs] }
        public func make(_ config: Config, settings: ComponentSettings) -> ProcessorRole {
            .joining(LogJoinService(config: config, settings: settings))
        }
    }
}
