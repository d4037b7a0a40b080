import CollectorCore
import ComponentModel

extension CostInferenceProcessor.Config: ComponentConfig {}

extension CostInferenceProcessor: ConfiguredProcessor {
    public static var example: String { "{}" }

    public init(config: Config, settings: ComponentSettings) {
        self.init(id: settings.id.description, config: config)
    }
}
