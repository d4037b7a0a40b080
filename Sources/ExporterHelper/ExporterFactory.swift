import CollectorCore
import CollectorQueue
import ComponentModel

/// What every exporter's config has besides its own keys: the sending machinery, and client TLS
/// for those that connect.
public protocol ExporterConfiguration: ComponentConfig {
    /// The key written in the config.
    static var type: String { get }
    var sending: ExporterSettings { get }
    var tls: TLSClientConfig? { get }
}

extension ExporterConfiguration {
    public var tls: TLSClientConfig? { nil }

    public func checkRunnable(path: String) throws(ConfigError) { try checkSending(path: path) }

    /// What every exporter checks before start: TLS files readable, a disk queue's directory
    /// writable, and a combination the queue can run.
    public func checkSending(path: String) throws(ConfigError) {
        if !sending.queueEnabled {
            throw ConfigError(path + ".sending_queue.enabled", "sending without a queue is not available yet")
        }
        if sending.persistent != nil, !sending.retryEnabled {
            throw ConfigError(path + ".retry_on_failure.enabled", "a persistent queue needs retries")
        }
        for (key, file) in tls?.files ?? [] where !PrivateFiles.isReadable(file) {
            throw ConfigError(path + ".tls.\(key)", "cannot read \(file)")
        }
        if let disk = sending.persistent, let problem = PrivateFiles.checkWritable(disk.directory) {
            throw ConfigError(path + ".sending_queue.directory", problem)
        }
    }
}

/// Builds one type of exporter. The exporter encodes and sends; its queue, retries and timeouts
/// come from `ExporterQueue`, which the runtime wraps around it from `Config.sending`.
public protocol ExporterFactory: ComponentFactory where Config: ExporterConfiguration {
    func make(_ config: Config, settings: ComponentSettings) throws(ExportFailure) -> any Exporter
    /// Logged at start for a pipeline that feeds it without a batching stage (nil: it does not mind).
    var unbatchedWarning: String? { get }
    /// The signals it takes; listing it in a pipeline of another signal is a config error.
    var signals: Set<Signal> { get }
}

extension ExporterFactory {
    public static var kind: ComponentKind { .exporter }
    public var unbatchedWarning: String? { nil }
    public var signals: Set<Signal> { [.traces] }

    public func decodeExporter(_ map: inout ConfigMap) throws(ConfigError) -> any ExporterConfiguration { try Config(&map) }

    /// Builds from a config this factory decoded.
    public func make(erased config: any ExporterConfiguration, settings: ComponentSettings) throws(ExportFailure) -> any Exporter {
        guard let c = config as? Config else { throw .permanent("a \(Swift.type(of: config)) config reached the \(type) factory") }
        return try make(c, settings: settings)
    }
}

/// An exporter built from its config and settings alone; `ExporterType<E>` is then its whole factory.
public protocol ConfiguredExporter: Exporter {
    associatedtype Config: ExporterConfiguration
    init(config: Config, settings: ComponentSettings) throws(ExportFailure)
    /// Its smallest config, as a YAML flow map.
    static var example: String { get }
    /// See `ExporterFactory.unbatchedWarning`.
    static var unbatchedWarning: String? { get }
    /// See `ExporterFactory.signals`.
    static var signals: Set<Signal> { get }
}

extension ConfiguredExporter {
    public static var unbatchedWarning: String? { nil }
    public static var signals: Set<Signal> { [.traces] }
}

/// The factory of any `ConfiguredExporter`: the registry lists `ExporterType<ClickHouseExporter>()`.
public struct ExporterType<E: ConfiguredExporter>: ExporterFactory {
    public typealias Config = E.Config
    public init() {}
    public var type: String { Config.type }
    public var example: String { E.example }
    public var unbatchedWarning: String? { E.unbatchedWarning }
    public var signals: Set<Signal> { E.signals }
    public func make(_ config: Config, settings: ComponentSettings) throws(ExportFailure) -> any Exporter {
        try E(config: config, settings: settings)
    }
}
