import CollectorCore
import ComponentModel

/// `connectors.routing`: sends each request to its tenant's pipelines. The tenant is the one the
/// request's credentials are bound to (the receiver's `auth.tenants`); for trusted internal senders
/// without tenant credentials, a resource attribute may name it (`attribute`).
public enum RoutingConnector {
    public static let type = "routing"

    public struct Config: Sendable, Equatable, ComponentConfig {
        public struct Entry: Sendable, Equatable {
            public var tenant: String
            public var pipelines: [ComponentID]
        }

        public var table: [Entry]
        /// For requests with no tenant at all (no tenant credentials, no claim); none: refused.
        public var defaultPipelines: [ComponentID]
        /// A resource attribute that names the tenant when the credentials do not.
        public var attribute: String?

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            var tenants = Set<String>()
            table = try map.list("table") { (m) throws(ConfigError) -> Entry in
                let tenant = try m.requiredString("tenant")
                guard tenants.insert(tenant).inserted else { throw ConfigError(m.childPath("tenant"), "'\(tenant)' has two entries") }
                let pipelines = try Self.pipelines(&m, "pipelines")
                guard !pipelines.isEmpty else { throw ConfigError(m.childPath("pipelines"), "give at least one pipeline") }
                return Entry(tenant: tenant, pipelines: pipelines)
            }
            if table.isEmpty { throw ConfigError(map.childPath("table"), "give at least one tenant") }
            defaultPipelines = try Self.pipelines(&map, "default_pipelines")
            attribute = try map.string("attribute")
            if attribute?.isEmpty == true { throw ConfigError(map.childPath("attribute"), "must not be empty") }
        }

        static func pipelines(_ m: inout ConfigMap, _ key: String) throws(ConfigError) -> [ComponentID] {
            var out: [ComponentID] = []
            for (i, name) in try m.strings(key).enumerated() {
                let id = try ComponentID(parsing: name, path: "\(m.childPath(key))[\(i)]")
                guard id.type == "traces" else { throw ConfigError("\(m.childPath(key))[\(i)]", "'\(name)' is not a traces pipeline") }
                out.append(id)
            }
            return out
        }
    }

    public struct Factory: ConnectorFactory {
        public typealias Config = RoutingConnector.Config
        public init() {}
        public var type: String { RoutingConnector.type }
        public var example: String { "{table: [{tenant: team-a, pipelines: [traces]}]}" }
        public func targets(_ config: any ComponentConfig) -> [ComponentID] {
            guard let c = config as? Config else { return [] }
            var out: [ComponentID] = []
            for id in c.table.flatMap(\.pipelines) + c.defaultPipelines where !out.contains(id) { out.append(id) }
            return out
        }
        public func onlyTenant(_ config: any ComponentConfig, of pipeline: ComponentID) -> String? {
            guard let c = config as? Config, !c.defaultPipelines.contains(pipeline) else { return nil }
            let tenants = c.table.filter { $0.pipelines.contains(pipeline) }.map(\.tenant)
            return tenants.count == 1 ? tenants[0] : nil
        }
        public func make(_ config: Config, settings: ComponentSettings) -> any Connector {
            TenantRouter(config: config, counters: settings.counters, connector: settings.id.description)
        }
    }
}
