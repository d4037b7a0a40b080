import CollectorCore
import ComponentModel

extension ResourceDetectionProcessor.Config: ComponentConfig {
    /// `OTEL_RESOURCE_ATTRIBUTES` is read once, at start: a malformed one stops the start.
    public func checkRunnable(path: String) throws(ConfigError) {
        do throws(ConfigError) {
            _ = try ResourceDetectionProcessor(config: self, environment: ProcessEnvironment.variables)
        } catch {
            throw ConfigError(path + ".detectors", "env: \(error)")
        }
    }
}

extension ResourceDetectionProcessor: ConfiguredProcessor {
    public static var example: String { "{detectors: [env]}" }
    /// Resources are shared by spans and log records alike.
    public static var signals: Set<Signal> { [.traces, .logs] }

    /// Reads the process's environment, once.
    public init(config: Config, settings: ComponentSettings) throws(ConfigError) {
        try self.init(config: config, environment: ProcessEnvironment.variables)
    }
}
