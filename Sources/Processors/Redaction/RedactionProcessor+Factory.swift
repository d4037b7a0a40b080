import CollectorCore
import ComponentModel

extension RedactionProcessor.Config: ComponentConfig {}

extension RedactionProcessor: ConfiguredProcessor {
    public static var example: String { "{}" }
    /// Log records' bodies and attributes are scanned as span attributes are.
    public static var signals: Set<Signal> { [.traces, .logs] }

    public init(config: Config, settings: ComponentSettings) {
        self.init(id: settings.id.description, config: config)
    }
}
