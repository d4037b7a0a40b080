import CollectorCore

/// `extensions.health_check`: the endpoint Kubernetes probes (the collector's default port).
public struct HealthCheckConfig: Sendable, Equatable {
    public static let type = "health_check"
    public var endpoint: Endpoint
    public var path: String

    public init(_ map: inout ConfigMap) throws(ConfigError) {
        endpoint = try map.endpoint("endpoint", default: "localhost:13133")
        path = try map.string("path", default: "/")
    }
}
