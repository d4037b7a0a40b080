import CollectorCore
import ComponentModel

extension RedactionProcessor.Config: ComponentConfig {}

extension RedactionProcessor {
    public struct Factory: ProcessorFactory {
        public typealias Config = RedactionProcessor.Config
        public init() {}
        public var type: String { RedactionProcessor.type }
        public var example: String { "{}" }
        public func make(_ config: Config, settings: ComponentSettings) -> ProcessorRole {
            .inPlace(RedactionProcessor(id: settings.id.description, config: config))
        }
    }
}
