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
    ///     # or dns: {hostname: gateway-headless.observability.svc.cluster.local, port: 4317,
    ///     #          interval: 5s, timeout: 1s, server: "10.96.0.10:53"}   # server: ask it directly
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
            /// Re-resolved every `interval`; a failed or empty lookup keeps the last good set.
            case dns(hostname: String, port: Int, interval: Duration, timeout: Duration, server: Endpoint?)
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
            let chosen = ["static", "dns"].filter { resolvers.has($0) }
            guard chosen.count == 1 else {
                throw ConfigError(resolvers.path, chosen.isEmpty ? "required: static or dns" : "give one resolver, static or dns")
            }
            if var dns = try resolvers.map("dns") {
                let hostname = try dns.requiredString("hostname")
                let port = try dns.int("port", default: 4317, range: 1...65535)
                let interval = try dns.duration("interval", default: .seconds(5))
                let timeout = try dns.duration("timeout", default: .seconds(1))
                guard interval > .zero, timeout > .zero else { throw ConfigError(dns.path, "interval and timeout must be positive") }
                let server = try dns.string("server").map { (text) throws(ConfigError) -> Endpoint in try Endpoint(parsing: text, path: dns.childPath("server"))
                }
                try dns.finish()
                resolver = .dns(hostname: hostname, port: port, interval: interval, timeout: timeout, server: server)
            } else if var fixed = try resolvers.map("static") {
                var endpoints: [Endpoint] = []
                for (i, text) in try fixed.strings("hostnames").enumerated() {
                    let path = "\(fixed.childPath("hostnames"))[\(i)]"
                    endpoints.append(try Endpoint(parsing: text.contains(":") && !text.hasSuffix("]") ? text : text + ":4317", path: path))
                }
                try fixed.finish()
                if endpoints.isEmpty { throw ConfigError(fixed.childPath("hostnames"), "list at least one backend") }
                resolver = .fixed(endpoints)
            } else {
                throw ConfigError(resolvers.path, "required: static or dns")
            }
            try resolvers.finish()
            sending = try ExporterSettings(&map)
        }

        public func checkRunnable(path: String) throws(ConfigError) {
            try checkSending(path: path)
            try backend.checkRunnable(path: path + ".protocol.otlp")
            if backend.sending.persistent != nil {
                throw ConfigError(
                    path + ".protocol.otlp.sending_queue.storage",
                    "a backend's queue is in memory; for durability put the disk queue on the exporter itself (its own sending_queue): a record is acknowledged once every backend has delivered its share"
                )
            }
        }
    }
}
