import CollectorCore
import ComponentModel

extension CostInferenceProcessor.Config: ComponentConfig {}

extension CostInferenceProcessor {
    public struct Factory: ProcessorFactory {
        public typealias Config = CostInferenceProcessor.Config
        public init() {}
        public var type: String { CostInferenceProcessor.type }
        public var example: String { "{}" }
        public func make(_ config: Config, settings: ComponentSettings) -> ProcessorRole {
            .inPlace(CostInferenceProcessor(id: settings.id.description, config: config))
        }
    }
}
