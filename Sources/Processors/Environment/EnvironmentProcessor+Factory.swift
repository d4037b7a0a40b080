import CollectorCore
import ComponentModel

extension EnvironmentProcessor.Config: ComponentConfig {}

extension EnvironmentProcessor {
    public struct Factory: ProcessorFactory {
        public typealias Config = EnvironmentProcessor.Config
        public init() {}
        public var type: String { EnvironmentProcessor.type }
        public var example: String { "{value: production}" }
        public func make(_ config: Config, settings: ComponentSettings) -> ProcessorRole {
            .inPlace(EnvironmentProcessor(config: config))
        }
    }
}
