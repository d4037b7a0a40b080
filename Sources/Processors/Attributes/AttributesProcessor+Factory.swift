import CollectorCore
import ComponentModel

extension AttributesProcessor.Config: ComponentConfig {}

extension AttributesProcessor {
    /// `attributes` (span attributes) and `resource` (resource attributes): one config, two targets.
    public struct Factory: ProcessorFactory {
        public typealias Config = AttributesProcessor.Config
        public let type: String
        let target: Target

        public init(type: String = AttributesProcessor.type, target: Target = .spans) {
            self.type = type
            self.target = target
        }

        public var example: String { "{actions: [{key: team, value: search, action: upsert}]}" }
        /// On a logs pipeline, `attributes` acts on each log record's attributes.
        public var signals: Set<Signal> { [.traces, .logs] }
        public func make(_ config: Config, settings: ComponentSettings) -> ProcessorRole {
            .inPlace(AttributesProcessor(config: config, target: target))
        }
    }
}
