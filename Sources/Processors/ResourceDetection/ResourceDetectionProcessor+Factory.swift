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

extension ResourceDetectionProcessor {
    public struct Factory: ProcessorFactory {
        public typealias Config = ResourceDetectionProcessor.Config
        public init() {}
        public var type: String { ResourceDetectionProcessor.type }
        public var example: String { "{detectors: [env]}" }
        public func make(_ config: Config, settings: ComponentSettings) throws(ConfigError) -> ProcessorRole {
            .inPlace(try ResourceDetectionProcessor(config: config, environment: ProcessEnvironment.variables))
        }
    }
}
