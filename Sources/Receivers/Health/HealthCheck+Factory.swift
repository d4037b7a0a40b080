import CollectorCore
import ComponentModel
import ServiceLifecycle

extension HealthCheck {
    public struct Factory: ExtensionFactory {
        public typealias Config = HealthCheck.Config
        public init() {}
        public var type: String { Config.type }
        public var example: String { "{endpoint: \"localhost:13133\"}" }
        /// Its socket stays bound across a reload.
        public var reloadable: Bool { false }
        public func make(_ config: Config, settings: ComponentSettings, context: ExtensionContext) -> any Service {
            TelemetryEndpoints.health(config, readiness: context.readiness, logger: settings.logger) { port in
                context.onListening("health", port)
            }
        }
    }
}
