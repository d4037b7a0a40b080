import CollectorCore
import ComponentModel

/// The `health_check` extension.
public enum HealthCheck {
    /// `extensions.health_check`: the endpoint Kubernetes probes (the collector's default port), with
    /// optional credentials (a probe can send them as a header).
    public struct Config: ComponentConfig {
        public static let type = "health_check"
        public var endpoint: Endpoint
        public var path: String
        public var auth: AuthConfig?

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            endpoint = try map.endpoint("endpoint", default: "localhost:13133")
            path = try map.string("path", default: "/")
            auth = try map.auth()
        }
    }
}
