import CollectorCore
import ComponentModel

/// The OTLP receiver: OTLP/HTTP and OTLP/gRPC listeners feeding the pipelines that list it.
public enum OTLPReceiver {
    /// `receivers.otlp`: the OTLP receiver, spelled as the OpenTelemetry Collector spells it.
    public struct Config: ReceiverConfiguration {
        public static let type = "otlp"

        /// Per-request budgets both transports apply after decoding.
        public struct Limits: Sendable, Equatable {
            /// Attributes kept per span, event, link, resource and scope; the rest are dropped and counted.
            public var maxAttributes: Int = 1024

            public init(maxAttributes: Int = 1024) { self.maxAttributes = maxAttributes }
        }

        public struct GRPC: Sendable, Equatable {
            public var endpoint: Endpoint
            public var maxReceiveMessageBytes: Int
            public var auth: AuthConfig?
            public var tls: TLSConfig?
            public var limits = Limits()
            /// Open connections at most; one more is closed at once and counted.
            public var maxConnections = HTTPServerLimits.defaults.maxConnections
        }

        public struct HTTP: Sendable, Equatable {
            public var endpoint: Endpoint
            public var maxRequestBodyBytes: Int
            public var tracesPaths: [String]
            public var logsPath = "/v1/logs"
            public var metricsPath = "/v1/metrics"
            public var auth: AuthConfig?
            public var tls: TLSConfig?
            public var limits = Limits()
            /// Connections and slow-client timeouts.
            public var server = HTTPServerLimits.defaults
            /// Every other `/api/public/*` path passed to this Langfuse (`LangfuseAPIProxy`).
            public var langfuseAPI: LangfuseAPI?
        }

        public var grpc: GRPC?
        public var http: HTTP?

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            guard var protocols = try map.map("protocols") else {
                throw ConfigError(map.childPath("protocols"), "is required: enable grpc and/or http")
            }
            if var g = try protocols.map("grpc") {
                grpc = GRPC(
                    endpoint: try g.endpoint("endpoint", default: "localhost:4317"),
                    maxReceiveMessageBytes: try g.int("max_recv_msg_size_mib", default: 16, range: 1...1024) << 20,
                    auth: try g.auth(),
                    tls: try g.tlsServer(),
                    maxConnections: try g.int("max_connections", default: HTTPServerLimits.defaults.maxConnections, range: 1...1_000_000))
                try g.finish()
            }
            if var h = try protocols.map("http") {
                var paths: [String] = []
                for (key, fallback) in [("traces_url_path", "/v1/traces"), ("logs_url_path", "/v1/logs"), ("metrics_url_path", "/v1/metrics")] {
                    let path = try h.string(key, default: fallback)
                    guard path.hasPrefix("/") else { throw ConfigError(h.childPath(key), "must start with /") }
                    if paths.contains(path) { throw ConfigError(h.childPath(key), "\(path) is already another signal's path") }
                    paths.append(path)
                }
                let path = paths[0]
                http = HTTP(
                    endpoint: try h.endpoint("endpoint", default: "localhost:4318"),
                    maxRequestBodyBytes: try h.int("max_request_body_size", default: 20 << 20, range: 1024...(1 << 30)),
                    // The Langfuse SDKs post to this path; accepting it lets them point here unchanged.
                    tracesPaths: [path, "/api/public/otel/v1/traces"],
                    auth: try h.auth(),
                    tls: try h.tlsServer(),
                    server: try HTTPServerLimits(&h))
                http?.logsPath = paths[1]
                http?.metricsPath = paths[2]
                if var api = try h.map("langfuse_api") {
                    http?.langfuseAPI = try LangfuseAPI(&api)
                    try api.finish()
                    let tenants = Set(http?.auth?.tenants.map(\.id) ?? [])
                    if let stray = http?.langfuseAPI?.tenantKeys.keys.sorted().first(where: { !tenants.contains($0) }) {
                        throw ConfigError(h.childPath("langfuse_api.tenant_keys.\(stray)"), "names no tenant of this receiver's auth")
                    }
                }
                try h.finish()
            }
            try protocols.finish()
            if var l = try map.map("limits") {
                let limits = Limits(maxAttributes: try l.int("max_attributes", default: 1024, range: 1...65_536))
                try l.finish()
                grpc?.limits = limits
                http?.limits = limits
            }
            if grpc == nil && http == nil { throw ConfigError(map.childPath("protocols"), "enable grpc and/or http") }
            if let g = grpc, let h = http, g.endpoint == h.endpoint, g.endpoint.port != 0 {
                throw ConfigError(map.childPath("protocols"), "grpc and http cannot share \(g.endpoint)")
            }
        }
    }
}
