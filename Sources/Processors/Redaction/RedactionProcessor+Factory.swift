import CollectorCore
import ComponentModel

extension RedactionProcessor.Config: ComponentConfig {}

extension RedactionProcessor: ConfiguredProcessor {
    public static var example: String { "{}" }

    public init(config: Config, settings: ComponentSettings) {
        self.init(id: settings.id.description, config: config)
    }
}
