import CollectorCore
import ComponentModel

/// A connector ends one pipeline and feeds others: listed among the first's exporters and the
/// others' receivers. It passes each request on as it comes (it batches nothing and holds nothing).
public protocol ConnectorFactory: ComponentFactory {
    /// The pipelines its config may hand requests to; each must list the connector as a receiver.
    func targets(_ config: any ComponentConfig) -> [ComponentID]
    /// The one tenant it hands `pipeline`, if only one (what that pipeline's queues report under,
    /// where a request's tenant is not kept: durable mode).
    func onlyTenant(_ config: any ComponentConfig, of pipeline: ComponentID) -> String?
    func make(_ config: Config, settings: ComponentSettings) throws(ConfigError) -> any Connector
}

extension ConnectorFactory {
    public static var kind: ComponentKind { .connector }

    public func make(erased config: any ComponentConfig, settings: ComponentSettings) throws(ConfigError) -> any Connector {
        try make(typed(config, path: settings.path), settings: settings)
    }
}

/// Where a request goes: shares of it to pipelines, or a refusal the client hears as 401.
public enum Route: Sendable {
    case to([(pipeline: ComponentID, batch: TraceBatch)])
    case unknownTenant(String)
}

public protocol Connector: Sendable {
    func route(_ batch: TraceBatch) -> Route
}
