import CollectorCore

/// Splits a request by tenant (the runtime counts what the pipelines then accept, by tenant). The credentials' tenant wins over any claim in the data: a span can
/// never move itself into another tenant's pipelines through attributes, and a conflicting claim is
/// counted. A request with a tenant no entry routes is refused whole.
struct TenantRouter: Connector {
    let byTenant: [String: [ComponentID]]
    let defaultPipelines: [ComponentID]
    let attribute: [UInt8]?
    let counters: Counters
    let connector: String

    init(config: RoutingConnector.Config, counters: Counters, connector: String) {
        byTenant = Dictionary(uniqueKeysWithValues: config.table.map { ($0.tenant, $0.pipelines) })
        defaultPipelines = config.defaultPipelines
        attribute = config.attribute.map { Array($0.utf8) }
        self.counters = counters
        self.connector = connector
        for e in config.table {
            for outcome in ["accepted", "refused"] { counters.declare(.tenantSpans, ["connector": connector, "tenant": e.tenant, "outcome": outcome]) }
            counters.declare(.tenantClaims, ["connector": connector, "tenant": e.tenant, "outcome": "conflict"])
        }
    }

    func route(_ batch: TraceBatch) -> Route {
        guard !batch.spans.isEmpty else { return .to([]) }
        // Each span's tenant (nil: none), resource by resource.
        var tenantOf = [String?](repeating: batch.tenant, count: batch.spans.count)
        if let attribute {
            for scope in batch.scopes where !scope.spans.range.isEmpty {
                let claim = Self.claim(batch, resource: Int(scope.resourceIndex), key: attribute)
                guard let claim else { continue }
                if let bound = batch.tenant {
                    if claim != bound {
                        counters.add(.tenantClaims, scope.spans.range.count, ["connector": connector, "tenant": bound, "outcome": "conflict"])
                    }
                    continue
                }
                for i in scope.spans.range { tenantOf[i] = claim }
            }
        }
        var order: [String?] = []
        var members: [String?: [Int]] = [:]
        for (i, t) in tenantOf.enumerated() {
            if members[t] == nil { order.append(t) }
            members[t, default: []].append(i)
        }
        var routes: [(pipeline: ComponentID, batch: TraceBatch)] = []
        for tenant in order {
            let pipelines = tenant.map { byTenant[$0] ?? [] } ?? defaultPipelines
            guard !pipelines.isEmpty else {
                let label = tenant.map { counters.bounded("tenant", $0, limit: 100) } ?? "none"
                counters.add(.tenantSpans, batch.spans.count, ["connector": connector, "tenant": label, "outcome": "refused"])
                return .unknownTenant(
                    tenant.map { "no pipeline takes tenant '\($0)'" }
                        ?? "the request names no tenant (tenant credentials, or the '\(String(decoding: attribute ?? [], as: UTF8.self))' resource attribute)")
            }
            let share = order.count == 1 ? batch : batch.keepingSpans(members[tenant]!)
            var tagged = share
            tagged.tenant = tenant
            for p in pipelines { routes.append((p, tagged)) }
        }
        return .to(routes)
    }

    /// The resource's string value for `key`, if any.
    static func claim(_ batch: TraceBatch, resource: Int, key: [UInt8]) -> String? {
        guard batch.resources.indices.contains(resource) else { return nil }
        for a in batch.attributes[batch.resources[resource].attributes.range] {
            guard a.key.count == key.count, batch.bytes[Int(a.key.start)..<Int(a.key.start) + key.count].elementsEqual(key) else { continue }
            if case .string(let r) = a.value { return batch.string(r) }
        }
        return nil
    }
}
