import CollectorCore
import ComponentModel
import ServiceLifecycle

/// What every receiver's config tells the runtime before it is built.
public protocol ReceiverConfiguration: ComponentConfig {
    /// Listeners it binds; the collector is ready once all of them are.
    var listeners: Int { get }
    /// Credentials by listener (`http`, `grpc`): a reload may replace these without a restart.
    var credentials: [String: AuthConfig?] { get }
    /// The config without what a reload may change: a difference here needs a restart (sockets
    /// stay bound across a reload).
    var boundPart: Self { get }
}

/// What a receiver is built with besides its settings.
public struct ReceiverContext: Sendable {
    /// Where accepted requests go (the pipelines that list the receiver).
    public let consumer: any TraceConsumer
    /// The credentials each listener checks, by listener name; a reload swaps their contents.
    public let auth: [String: AuthSource]
    /// Called as each listener binds, with its name and port.
    public let onListening: @Sendable (String, Int) -> Void
    /// The HTTP client for upstreams a receiver passes requests to (the Langfuse API).
    public let upstream: (any UpstreamHTTP)?

    public init(
        consumer: any TraceConsumer, auth: [String: AuthSource], upstream: (any UpstreamHTTP)? = nil,
        onListening: @escaping @Sendable (String, Int) -> Void
    ) {
        self.consumer = consumer
        self.auth = auth
        self.upstream = upstream
        self.onListening = onListening
    }
}

public protocol ReceiverFactory: ComponentFactory where Config: ReceiverConfiguration {
    /// The receiver's servers, each a service the collector runs.
    func make(_ config: Config, settings: ComponentSettings, context: ReceiverContext) -> [any Service]
}

extension ReceiverFactory {
    public static var kind: ComponentKind { .receiver }

    public func decodeReceiver(_ map: inout ConfigMap) throws(ConfigError) -> any ReceiverConfiguration { try Config(&map) }

    public func make(erased config: any ReceiverConfiguration, settings: ComponentSettings, context: ReceiverContext) throws(ConfigError) -> [any Service] {
        make(try typed(config, path: settings.path), settings: settings, context: context)
    }
}

extension ReceiverConfiguration {
    /// Whether replacing `old` with this config needs a restart.
    public func needsRestart(replacing old: any ReceiverConfiguration) -> Bool {
        guard let old = old as? Self else { return true }
        return old.boundPart != boundPart
    }
}

/// What an extension is built with besides its settings.
public struct ExtensionContext: Sendable {
    public let readiness: Readiness
    public let onListening: @Sendable (String, Int) -> Void

    public init(readiness: Readiness, onListening: @escaping @Sendable (String, Int) -> Void) {
        self.readiness = readiness
        self.onListening = onListening
    }
}

public protocol ExtensionFactory: ComponentFactory {
    func make(_ config: Config, settings: ComponentSettings, context: ExtensionContext) -> any Service
}

extension ExtensionFactory {
    public static var kind: ComponentKind { .extension }

    public func make(erased config: any ComponentConfig, settings: ComponentSettings, context: ExtensionContext) throws(ConfigError) -> any Service {
        make(try typed(config, path: settings.path), settings: settings, context: context)
    }
}
