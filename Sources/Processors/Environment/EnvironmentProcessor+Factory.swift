import CollectorCore
import ComponentModel

extension EnvironmentProcessor.Config: ComponentConfig {}

extension EnvironmentProcessor: ConfiguredProcessor {
    public static var example: String { "{value: production}" }

    public init(config: Config, settings: ComponentSettings) {
        self.init(config: config)
    }
}
