import CollectorCore
import Logging

/// The sections of a config, one per kind of component.
public enum ComponentKind: String, Sendable, CaseIterable {
    case receiver, processor, exporter, connector, `extension`

    /// The config section that lists components of this kind.
    public var section: String { rawValue + "s" }
}

/// A component's decoded config. `init` reads the keys it knows (the caller refuses the rest) and
/// checks what needs no I/O; `checkRunnable` checks the machine before anything binds.
public protocol ComponentConfig: Sendable, Equatable {
    init(_ map: inout ConfigMap) throws(ConfigError)
    /// Files it must read, directories it must write, environment it must parse. `path` is the
    /// component's key path (`exporters.file`), for the error.
    func checkRunnable(path: String) throws(ConfigError)
}

extension ComponentConfig {
    public func checkRunnable(path: String) throws(ConfigError) {}

    /// Equality across the erased configs of two decoded components.
    public func isEqual(to other: any ComponentConfig) -> Bool { (other as? Self) == self }
}

/// Makes one type of component: names it, decodes its config, and (in the kind's own protocol,
/// `ReceiverFactory`, `ProcessorFactory`, `ExporterFactory`, `ExtensionFactory`) builds it.
/// The registry is a list of these; adding a component is its folder plus one line there.
public protocol ComponentFactory: Sendable {
    associatedtype Config: ComponentConfig
    static var kind: ComponentKind { get }
    /// The key written in the config (`clickhouse`, `clickhouse/main`).
    var type: String { get }
    /// The smallest config a user writes for it, as a YAML flow map (`{endpoint: …}`), for the
    /// registry's conformance suite and `genai-collector components`.
    var example: String { get }
    /// Whether a reload may replace its config; a component that holds sockets or a budget shared
    /// by requests in flight says no, and a change to it needs a restart.
    var reloadable: Bool { get }
}

extension ComponentFactory {
    public var reloadable: Bool { true }

    /// Decodes `map` as this type's config.
    public func decode(_ map: inout ConfigMap) throws(ConfigError) -> Config { try Config(&map) }

    /// The typed config of a component this factory decoded.
    public func typed(_ config: any ComponentConfig, path: String) throws(ConfigError) -> Config {
        guard let c = config as? Config else {
            throw ConfigError(path, "a \(Swift.type(of: config)) config reached the \(type) factory")
        }
        return c
    }
}

/// What every component is built with.
public struct ComponentSettings: Sendable {
    public let id: ComponentID
    public let kind: ComponentKind
    public let logger: Logger
    /// The process's metrics.
    public let counters: Counters
    /// Time for timers and ages; a test gives a clock it drives.
    public let clock: any Clock<Duration>
    /// How long shutdown may take before what is left is dropped and counted.
    public let shutdownTimeout: Duration

    public init(
        id: ComponentID, kind: ComponentKind, logger: Logger, counters: Counters,
        clock: any Clock<Duration> = ContinuousClock(), shutdownTimeout: Duration = .seconds(10)
    ) {
        self.id = id
        self.kind = kind
        self.logger = logger
        self.counters = counters
        self.clock = clock
        self.shutdownTimeout = shutdownTimeout
    }

    /// Settings for a component built outside a collector (a tool, a benchmark, a test).
    public static func standalone(
        _ type: String, _ kind: ComponentKind, counters: Counters = Counters(),
        logger: Logger = Logger(label: "genai-collector")
    ) -> ComponentSettings {
        ComponentSettings(id: ComponentID(type: type), kind: kind, logger: logger, counters: counters)
    }

    /// The component's key path (`exporters.clickhouse/main`), for errors.
    public var path: String { "\(kind.section).\(id)" }
}

/// One decoded component: its id, the factory that decoded it, and its config.
public struct Component<Factory: Sendable, Config: Sendable>: Sendable {
    public let id: ComponentID
    public let factory: Factory
    public let config: Config

    public init(id: ComponentID, factory: Factory, config: Config) {
        self.id = id
        self.factory = factory
        self.config = config
    }
}
