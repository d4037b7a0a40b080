import CollectorCore
import ComponentModel
import ServiceLifecycle

/// Where a processor sits in a pipeline, known before it is built.
public enum ProcessorStage: Sendable {
    /// Changes each batch in place: per request before a batching stage, per batch after it.
    case inPlace
    /// Gathers requests into batches and hands them on from its own task.
    case batching
    /// Holds spans until their trace is complete, then hands each trace on whole.
    case grouping
    /// Keeps or drops each whole trace (after a grouping stage).
    case sampling
    /// Changes each whole trace in place (after a grouping stage, before batching).
    case perTrace
    /// Holds trace requests until their GenAI log records have come (`log_join`).
    case joining
    /// Bounds the bytes the process holds: one budget shared by every pipeline, which receivers
    /// consult before they read a body.
    case admission
}

/// A built processor, by stage.
public enum ProcessorRole: Sendable {
    case inPlace(any SpanProcessor)
    case batching(BatchingStage)
    case admission(Admission)
    case grouping(GroupingStage)
    case sampling(TailSampler)
    case perTrace(any TraceProcessor)
    case joining(LogJoinService)
}

/// A per-trace stage as the runtime wires it: given the memory budget (bytes) and where released
/// traces go.
public struct GroupingStage: Sendable {
    public let make: @Sendable (_ budget: Int, _ forward: @escaping @Sendable ([TraceBuffer.Released]) async -> Void) -> any GroupingService

    public init(make: @escaping @Sendable (Int, @escaping @Sendable ([TraceBuffer.Released]) async -> Void) -> any GroupingService) {
        self.make = make
    }
}

/// A running per-trace stage: requests go in with their admitted cost (and, in durable mode, the
/// journal record they were written to).
public protocol GroupingService: Service {
    func add(_ batch: TraceBatch, cost: Int, seq: UInt64?) async
}

extension GroupingService {
    public func add(_ batch: TraceBatch, cost: Int) async { await add(batch, cost: cost, seq: nil) }
}

/// A batching stage as the runtime wires it: it is given the hand-off its batches go to.
public struct BatchingStage: Sendable {
    /// How an exporter that batches from its own disk queue (durable mode) should batch.
    public let spans: Int
    public let wait: Duration
    public let make: @Sendable (Handoff) -> any BatchingService

    public init(spans: Int, wait: Duration, make: @escaping @Sendable (Handoff) -> any BatchingService) {
        self.spans = spans
        self.wait = wait
        self.make = make
    }
}

/// A running batching stage: requests go in with their admitted cost; batches come out on the hand-off.
public protocol BatchingService: Service {
    /// `parts` go into one batch together (a whole trace is never cut across two).
    func add(_ parts: [TraceBatch], cost: Int) async
}

extension BatchingService {
    public func add(_ batch: TraceBatch, cost: Int) async { await add([batch], cost: cost) }
}

public protocol ProcessorFactory: ComponentFactory {
    /// Its stage whatever its config says.
    var stage: ProcessorStage { get }
    /// Its stage with this config (`evaluation` works on whole traces only when it has trace-scope
    /// evaluators); the pipeline checks use this one.
    func stage(of config: Config) -> ProcessorStage
    /// The signals it handles; listing it in a pipeline of another signal is a config error.
    var signals: Set<Signal> { get }
    func make(_ config: Config, settings: ComponentSettings) throws(ConfigError) -> ProcessorRole
}

extension ProcessorFactory {
    public static var kind: ComponentKind { .processor }
    public var stage: ProcessorStage { .inPlace }
    public var signals: Set<Signal> { [.traces] }
    public func stage(of config: Config) -> ProcessorStage { stage }

    /// The stage of a config this factory decoded (its fixed stage if the config is not its own).
    public func stage(erased config: any ComponentConfig) -> ProcessorStage {
        guard let c = config as? Config else { return stage }
        return stage(of: c)
    }

    /// Builds from a config this factory decoded.
    public func make(erased config: any ComponentConfig, settings: ComponentSettings) throws(ConfigError) -> ProcessorRole {
        try make(typed(config, path: settings.path), settings: settings)
    }
}

/// An in-place processor built from its config and settings alone; `InPlaceProcessorType<P>` is then
/// its whole factory.
public protocol ConfiguredProcessor: SpanProcessor {
    associatedtype Config: ComponentConfig
    static var type: String { get }
    /// Its smallest config, as a YAML flow map.
    static var example: String { get }
    init(config: Config, settings: ComponentSettings) throws(ConfigError)
    /// See `ProcessorFactory.signals`.
    static var signals: Set<Signal> { get }
}

extension ConfiguredProcessor {
    public static var signals: Set<Signal> { [.traces] }
}

/// The factory of any `ConfiguredProcessor`: the registry lists `InPlaceProcessorType<RedactionProcessor>()`.
public struct InPlaceProcessorType<P: ConfiguredProcessor>: ProcessorFactory {
    public typealias Config = P.Config
    public init() {}
    public var type: String { P.type }
    public var example: String { P.example }
    public var signals: Set<Signal> { P.signals }
    public func make(_ config: Config, settings: ComponentSettings) throws(ConfigError) -> ProcessorRole {
        .inPlace(try P(config: config, settings: settings))
    }
}
