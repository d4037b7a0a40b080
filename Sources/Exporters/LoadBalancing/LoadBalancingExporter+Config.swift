import CollectorCore
import ComponentModel
import ExporterHelper

extension LoadBalancingExporter {
    /// `exporters.loadbalancing`: each span to the backend that owns its trace (or its service) on a
    /// consistent-hash ring, over OTLP/gRPC, with one sending queue and retry per backend. The keys
    /// are the OpenTelemetry Collector's, so its configs carry over.
    ///
    /// ```yaml
    /// loadbalancing:
    ///   routing_key: traceID              # or service (the resource's service.name)
    ///   protocol:
    ///     otlp:                           # an otlp_grpc exporter's settings without endpoint; its
    ///       timeout: 5s                   # sending_queue and retry_on_failure are each backend's
    ///       tls: {insecure: true}
    ///   resolver:
    ///     static: {hostnames: ["10.0.0.1:4317", "10.0.0.2:4317"]}   # port 4317 when left out
    /// ```
    /// Its own `sending_queue` holds what arrives while no backend is known yet.
    public struct Config: ExporterConfiguration {
        public static let type = "loadbalancing"

        public enum RoutingKey: String, Sendable, CaseIterable {
            case traceID
            case service
        }

        public enum Resolver: Sendable, Equatable {
            case fixed([Endpoint])
        }

        public var routingKey: RoutingKey
        /// Each backend's exporter: this, with the backend's host and port.
        public var backend: OTLPGRPCExporter.Config
        public var resolver: Resolver
        public var sending: ExporterSettings
        public var tls: TLSClientConfig? { backend.tls }

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            routingKey = try map.choice("routing_key", default: RoutingKey.traceID)
            var proto = try map.mapOrEmpty("protocol")
            guard let otlp = try proto.map("otlp") else { throw ConfigError(proto.childPath("otlp"), "required: the backends' OTLP/gRPC settings") }
            try proto.finish()
            if otlp.has("endpoint") { throw ConfigError(otlp.childPath("endpoint"), "set by the resolver for each backend; leave it out") }
            // Decoded as an otlp_grpc exporter's config, with a stand-in endpoint the resolver replaces.
            var template = try ConfigMap(.mapping(otlp.entries + [ConfigEntry("endpoint", .scalar("backend:4317", quoted: false))]), path: otlp.path)
            backend = try OTLPGRPCExporter.Config(&template)
            try template.finish()

            var resolvers = try map.mapOrEmpty("resolver")
            guard var fixed = try resolvers.map("static") else {
                throw ConfigError(resolvers.childPath("static"), "required: static.hostnames (the dns resolver is not available yet)")
            }
            try resolvers.finish()
            var endpoints: [Endpoint] = []
            for (i, text) in try fixed.strings("hostnames").enumerated() {
                let path = "\(fixed.childPath("hostnames"))[\(i)]"
                endpoints.append(try Endpoint(parsing: text.contains(":") && !text.hasSuffix("]") ? text : text + ":4317", path: path))
            }
            try fixed.finish()
            if endpoints.isEmpty { throw ConfigError(fixed.childPath("hostnames"), "list at least one backend") }
            resolver = .fixed(endpoints)
            sending = try ExporterSettings(&map)
        }

        public func checkRunnable(path: String) throws(ConfigError) {
            try checkSending(path: path)
            try backend.checkRunnable(path: path + ".protocol.otlp")
            if backend.sending.persistent != nil {
                throw ConfigError(path + ".protocol.otlp.sending_queue.storage", "disk queues per backend are not available yet; use memory")
            }
        }
    }
}
