import CollectorCore
import ComponentModel
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

extension OTLPReceiver.Config {
    public var listeners: Int { (http == nil ? 0 : 1) + (grpc == nil ? 0 : 1) }

    public var credentials: [String: AuthConfig?] {
        var out: [String: AuthConfig?] = [:]
        if let http { out["http"] = .some(http.auth) }
        if let grpc { out["grpc"] = .some(grpc.auth) }
        return out
    }

    public var boundPart: Self {
        var c = self
        c.http?.auth = nil
        c.grpc?.auth = nil
        return c
    }

    /// The server's certificate and key are read at start: unreadable ones stop it.
    public func checkRunnable(path: String) throws(ConfigError) {
        for (transport, tls) in [("http", http?.tls), ("grpc", grpc?.tls)] {
            guard let tls else { continue }
            for (key, file) in [("cert_file", tls.certFile), ("key_file", tls.keyFile)] where access(file, R_OK) != 0 {
                throw ConfigError("\(path).protocols.\(transport).tls.\(key)", "cannot read \(file)")
            }
        }
    }
}

extension OTLPReceiver {
    public struct Factory: ReceiverFactory {
        public typealias Config = OTLPReceiver.Config
        public init() {}
        public var type: String { Config.type }
        public var example: String { "{protocols: {http: {endpoint: \"localhost:4318\"}, grpc: {endpoint: \"localhost:4317\"}}}" }
        /// Its sockets stay bound across a reload; only credentials change (see `boundPart`).
        public func make(_ config: Config, settings: ComponentSettings, context: ReceiverContext) -> [any Service] {
            var services: [any Service] = []
            let id = settings.id.description
            if let http = config.http {
                let receiver = OTLPHTTPReceiver(
                    id: id, config: http, consumer: context.consumer, auth: context.auth["http"],
                    counters: settings.counters, logger: settings.logger, upstream: context.upstream)
                services.append(receiver.server { port in context.onListening("http", port) })
            }
            if let grpc = config.grpc {
                services.append(
                    OTLPGRPCReceiver(
                        id: id, config: grpc, consumer: context.consumer, auth: context.auth["grpc"],
                        counters: settings.counters, logger: settings.logger
                    ) { port in
                        context.onListening("grpc", port)
                    })
            }
            return services
        }
    }
}
