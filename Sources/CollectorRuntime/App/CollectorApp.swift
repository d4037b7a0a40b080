import CollectorCore
import CollectorQueue
import ExporterHelper
import ComponentModel
import Connectors
import Exporters
import Logging
import NIOCore
import NIOPosix
import Processors
import Receivers
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif
import UnixSignals
import Synchronization

/// The daemon: built from a validated config, run as one `ServiceGroup`. Services are listed so
/// that graceful shutdown (which goes in reverse order) stops receivers first, then the telemetry
/// endpoints, then flushes batchers, then lets the fan-out stages finish, then drains exporter
/// queues within their deadline.
public struct CollectorApp: Sendable {
    public let counters: Counters
    public let readiness: Readiness
    let config: CollectorConfig
    let logger: Logger
    /// Given to every component: timers and ages run on it.
    let clock: any Clock<Duration>

    public init(config: CollectorConfig, logger: Logger, clock: any Clock<Duration> = ContinuousClock()) {
        self.init(config: config, logger: logger, counters: Counters(), readiness: Readiness(), clock: clock)
    }

    init(config: CollectorConfig, logger: Logger, counters: Counters, readiness: Readiness, clock: any Clock<Duration>) {
        self.config = config
        self.logger = logger
        self.counters = counters
        self.readiness = readiness
        self.clock = clock
    }

    /// What component `id` of `kind` is built with.
    func settings(_ id: ComponentID, _ kind: ComponentKind) -> ComponentSettings {
        ComponentSettings(id: id, kind: kind, logger: logger, counters: counters, clock: clock, shutdownTimeout: config.shutdownTimeout)
    }

    /// Fails (before binding anything) for a component the config names that this build cannot run.
    public func checkRunnable() throws(ConfigError) {
        for p in config.pipelines {
            let disk = p.exporters.map { config.exporters[$0]?.config.sending.persistent != nil }
            // A request is acknowledged once durable in every exporter, or for all of them from memory.
            if disk.contains(true) && disk.contains(false) {
                throw ConfigError("service.pipelines.\(p.id).exporters", "give every exporter of a pipeline the same sending_queue.storage (disk or memory)")
            }
        }
        for (id, c) in config.receivers.sortedByID { try c.config.checkRunnable(path: "receivers.\(id)") }
        for (id, c) in config.processors.sortedByID { try c.config.checkRunnable(path: "processors.\(id)") }
        for (id, c) in config.exporters.sortedByID { try c.config.checkRunnable(path: "exporters.\(id)") }
        for (id, c) in config.extensions.sortedByID { try c.config.checkRunnable(path: "extensions.\(id)") }
    }

    /// The memory budget every pipeline shares: the first `memory_limiter` configured (by id), or none.
    func makeAdmission() throws(ConfigError) -> Admission {
        for (id, p) in config.processors.sortedByID where p.factory.stage == .admission {
            if case .admission(let a) = try p.factory.make(erased: p.config, settings: settings(id, .processor)) { return a }
        }
        return Admission.unlimited
    }

    /// Runs until SIGTERM/SIGINT (or cancellation). `onListening` reports each bound server's port
    /// (`RECEIVER/http`, `RECEIVER/grpc`, `metrics`, `health`), so `:0` endpoints can be found.
    /// With `reload`, the files the config read are watched (and SIGHUP handled), and a changed
    /// config is swapped in without a restart: see `GenerationHost`.
    public func run(
        shutdownSignals: [UnixSignal] = [.sigterm, .sigint], reload: (source: ConfigSource, loaded: LoadedConfig)? = nil,
        onListening: @escaping @Sendable (String, Int) -> Void = { _, _ in }
    ) async throws {
        try checkRunnable()
        let admission = try makeAdmission()
        let generation = try makeGeneration(config, hash: reload?.loaded.hash ?? 0, admission: admission, previous: nil)

        // Receivers outlive generations: they hand data to a switch, and check credentials a reload may replace.
        var receivers: [any Service] = []
        var switches: [ComponentID: ConsumerSwitch] = [:]
        var receiverAuth: [String: AuthSource] = [:]
        let expected = generation.consumers.keys.reduce(0) { n, id in n + (config.receivers[id]?.config.listeners ?? 0) }
        let bound = BoundCounter(expected: expected) { readiness.set(true) }
        for (id, consumer) in generation.consumers.sortedByID {
            guard let receiver = config.receivers[id] else { continue }
            let target = ConsumerSwitch(memory: admission, consumer: consumer, inFlight: generation.inFlight)
            switches[id] = target
            var auth: [String: AuthSource] = [:]
            for (listener, credentials) in receiver.config.credentials {
                auth[listener] = AuthSource(credentials)
                receiverAuth["\(id)/\(listener)"] = auth[listener]
            }
            let context = ReceiverContext(consumer: target, auth: auth) { listener, port in
                onListening("\(id)/\(listener)", port)
                bound.one()
            }
            receivers += try receiver.factory.make(erased: receiver.config, settings: settings(id, .receiver), context: context)
        }
        let metricsAuth = AuthSource(config.telemetry.metricsAuth)
        var telemetry: [any Service] = [
            TelemetryEndpoints.metrics(config.telemetry.metricsEndpoint, auth: metricsAuth, counters: counters, logger: logger) { port in
                onListening("metrics", port)
            }
        ]
        for id in config.enabledExtensions {
            guard let e = config.extensions[id] else { continue }
            telemetry.append(
                try e.factory.make(
                    erased: e.config, settings: settings(id, .extension), context: ExtensionContext(readiness: readiness, onListening: onListening)))
        }
        let host = GenerationHost(
            app: self, source: reload?.source, admission: admission, first: generation,
            watched: reload?.loaded.files ?? [], switches: switches, receiverAuth: receiverAuth, metricsAuth: metricsAuth)
        // Shut down in reverse order: readiness turns false first, then the receivers close, then the
        // generation drains (batchers, fan-outs, exporter queues); health and /metrics go last, so
        // probes see 503 and scrapes see the drain.
        let services: [any Service] = telemetry + [host] + receivers + [NotReadyOnShutdown(readiness: readiness)]
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: shutdownSignals,
                logger: logger))
        logger.info("starting", metadata: ["pipelines": "\(config.pipelines.map(\.id.description))"])
        try await group.run()
        readiness.set(false)
        logger.info("stopped")
    }

    /// Exporter queues, pipelines, batchers and fan-outs for `config`. A disk queue of `previous`
    /// whose settings are unchanged is carried over as it is (the same open `DiskQueue`).
    func makeGeneration(_ config: CollectorConfig, hash: UInt64, admission: Admission, previous: Generation?) throws(ConfigError) -> Generation {
        let app = CollectorApp(config: config, logger: logger, counters: counters, readiness: readiness, clock: clock)
        var exporterQueues: [ComponentID: ExporterQueue] = [:]
        for (id, exporter) in config.exporters.sortedByID {
            exporterQueues[id] = try app.makeQueue(id, exporter, reusing: previous?.queues[id]?.disk)
        }
        var pipelinesByReceiver: [ComponentID: [Pipeline]] = [:]
        var batchers: [any BatchingService] = []
        var groupers: [any Service] = []
        var journals: [String: TraceJournal] = [:]
        var fanOuts: [FanOutService] = []
        var built: [ComponentID: Pipeline] = [:]
        // Pipelines that end in a connector come last: the pipelines it hands to exist by then.
        let ordered =
            config.pipelines.filter { !$0.exporters.contains { config.connectors[$0] != nil } }
            + config.pipelines.filter { $0.exporters.contains { config.connectors[$0] != nil } }
        for p in ordered {
            let batched = p.processors.contains { config.processors[$0]?.factory.stage == .batching }
            for id in p.exporters where !batched && previous == nil {
                if let advice = config.exporters[id]?.factory.unbatchedWarning {
                    logger.warning("\(advice)", metadata: ["pipeline": "\(p.id)", "exporter": "\(id)"])
                }
            }
            let journal = try app.makeJournal(p, queues: exporterQueues, reusing: previous?.journals)
            if let journal { journals[journal.id] = journal }
            var terminal: ConnectorTerminal?
            if let id = p.exporters.first(where: { config.connectors[$0] != nil }), let c = config.connectors[id] {
                let connector = try c.factory.make(erased: c.config, settings: app.settings(id, .connector))
                terminal = ConnectorTerminal(
                    connector: connector, id: id.description, targets: built.filter { c.factory.targets(c.config).contains($0.key) }, counters: counters)
            }
            let pipeline = try app.makePipeline(p, admission: admission, queues: exporterQueues, journal: journal, terminal: terminal)
            built[p.id] = pipeline
            // Durable: the GenAI series come from the first exporter's queue, as it sends.
            if let first = p.exporters.first.flatMap({ exporterQueues[$0] }), first.disk != nil {
                let counters = counters
                // A request's tenant is not kept on disk; a pipeline fed one tenant reports under it.
                let fedByConnectorsOnly = p.receivers.allSatisfy { config.connectors[$0] != nil }
                let tenant =
                    fedByConnectorsOnly ? config.connectors.values.lazy.compactMap { $0.factory.onlyTenant($0.config, of: p.id) }.first : nil
                first.reportSent { records, notes in
                    GenAIMetrics.record(notes, into: counters)
                    GenAIMetrics.record(records, into: counters)
                    if let tenant { GenAIMetrics.recordTenant(tenant, records, into: counters) }
                }
            }
            if let g = pipeline.grouper {
                // Durable: the journal is read back at the process's first start only (a reload's
                // successor shares it with the generation before, which releases what it holds).
                groupers.append(pipeline.journal.map { JournaledGrouping(grouper: g, journal: $0, replay: previous == nil) } ?? g)
            }
            if let b = pipeline.batcher { batchers.append(b) }
            if let f = pipeline.fanOutService { fanOuts.append(f) }
            // A connector among the receivers is not a listener: the pipeline ending in it feeds this one.
            for r in p.receivers where config.connectors[r] == nil { pipelinesByReceiver[r, default: []].append(pipeline) }
        }
        let consumers = pipelinesByReceiver.mapValues { pipelines -> any TraceConsumer in
            pipelines.count == 1 ? pipelines[0] : FanIn(pipelines: pipelines)
        }
        // Stopped in reverse: per-trace buffers release what they hold, batchers flush, then the
        // fan-outs finish, then the queues drain.
        let services: [any Service] = Array(exporterQueues.values) + fanOuts + batchers + groupers
        return Generation(
            config: config, hash: hash, queues: exporterQueues, journals: journals, consumers: consumers, services: services, logger: logger)
    }

    /// Why `new` cannot replace `old` without a restart (nil: it can). Listeners keep their sockets,
    /// the memory limit is shared by requests in flight, and a disk queue stays open across a reload:
    /// those must not change. Credentials, exporters, processors and pipelines may.
    static func restartRequired(from old: CollectorConfig, to new: CollectorConfig) -> String? {
        func listeners(_ c: CollectorConfig) -> [ComponentID: any ReceiverConfiguration] {
            var out: [ComponentID: any ReceiverConfiguration] = [:]
            for id in Set(c.pipelines.flatMap(\.receivers)) { out[id] = c.receivers[id]?.config }
            return out
        }
        let (was, now) = (listeners(old), listeners(new))
        if Set(was.keys) != Set(now.keys) || now.contains(where: { id, c in was[id].map { c.needsRestart(replacing: $0) } ?? true }) {
            return "receivers (endpoints, TLS, limits, or which are used)"
        }
        var oldTelemetry = old.telemetry, newTelemetry = new.telemetry
        oldTelemetry.metricsAuth = nil
        newTelemetry.metricsAuth = nil
        if oldTelemetry != newTelemetry { return "service.telemetry" }
        if old.enabledExtensions != new.enabledExtensions { return "extensions" }
        // Components that hold sockets or a budget shared by requests in flight.
        if let id = fixedChange(
            old.extensions.mapValues { ($0.factory.reloadable, $0.config) }, new.extensions.mapValues { ($0.factory.reloadable, $0.config) })
        {
            return "extensions.\(id)"
        }
        if let id = fixedChange(
            old.processors.mapValues { ($0.factory.reloadable, $0.config) }, new.processors.mapValues { ($0.factory.reloadable, $0.config) })
        {
            return "processors.\(id) (\(id.type) cannot change without a restart)"
        }
        for (id, e) in new.exporters {
            guard let before = old.exporters[id], let disk = before.config.sending.persistent else { continue }
            if e.config.sending.persistent != disk { return "exporters.\(id).sending_queue (a disk queue's settings)" }
        }
        return nil
    }

    /// The first component that cannot be reloaded and was added, removed or changed.
    static func fixedChange(
        _ old: [ComponentID: (reloadable: Bool, config: any ComponentConfig)],
        _ new: [ComponentID: (reloadable: Bool, config: any ComponentConfig)]
    ) -> ComponentID? {
        let ids = Set(old.keys).union(new.keys).sorted { $0.description < $1.description }
        for id in ids {
            let (a, b) = (old[id], new[id])
            guard a?.reloadable == false || b?.reloadable == false else { continue }
            guard let a, let b, a.config.isEqual(to: b.config) else { return id }
        }
        return nil
    }

    private func makeQueue(_ id: ComponentID, _ component: ExporterComponent, reusing previous: DiskQueue?) throws(ConfigError) -> ExporterQueue {
        let exporter: any Exporter
        let sending = component.config.sending
        do throws(ExportFailure) {
            exporter = try component.factory.make(erased: component.config, settings: settings(id, .exporter))
        } catch {
            throw ConfigError("exporters.\(id)", "cannot start: \(error)")
        }
        guard let persistent = sending.persistent else {
            return ExporterQueue(
                exporter: exporter, settings: sending, counters: counters, logger: logger, drainTimeout: self.config.shutdownTimeout, clock: clock)
        }
        var disk: DiskQueue
        if let previous {
            disk = previous  // a reload keeps the open queue (restartRequired has checked its settings)
        } else {
            do throws(DiskQueueError) {
                disk = try DiskQueue(
                    .init(
                        directory: persistent.directory + "/" + Self.directoryName(id), maxBytes: persistent.maxBytes,
                        fsync: persistent.fsync, dropOldest: persistent.dropOldest))
            } catch {
                throw ConfigError("exporters.\(id).sending_queue.directory", "\(error)")
            }
        }
        // The exporter batches from its queue as the pipeline's batching stage says.
        var batching: BatchingStage?
        for p in self.config.pipelines where batching == nil && p.exporters.contains(id) {
            for processorID in p.processors {
                guard let processor = self.config.processors[processorID], processor.factory.stage == .batching else { continue }
                if case .batching(let b) = try processor.factory.make(erased: processor.config, settings: settings(processorID, .processor)) { batching = b }
            }
        }
        return ExporterQueue(
            exporter: exporter, settings: sending, counters: counters, logger: logger, drainTimeout: self.config.shutdownTimeout, disk: disk,
            batching: ExporterQueue.Batching(spans: batching?.spans ?? 8192, wait: batching?.wait ?? .milliseconds(200)), clock: clock)
    }

    /// `clickhouse/main` → `clickhouse_main`: one directory per exporter.
    static func directoryName(_ id: ComponentID) -> String {
        String(id.description.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }

    /// A durable pipeline's per-trace journal: beside its first exporter's queue, with that queue's
    /// size and fsync policy, never dropping (a full journal pushes back). A reload reuses the open one.
    func makeJournal(
        _ p: CollectorConfig.Pipeline, queues: [ComponentID: ExporterQueue], reusing previous: [String: TraceJournal]?
    ) throws(ConfigError) -> TraceJournal? {
        guard let grouping = p.processors.first(where: { config.processors[$0]?.factory.stage == .grouping }),
            let first = p.exporters.first, let persistent = config.exporters[first]?.config.sending.persistent,
            p.exporters.allSatisfy({ queues[$0]?.disk != nil })
        else { return nil }
        let id = "\(grouping)[\(p.id)]"
        if let reused = previous?[id] {
            reused.carriedOver.store(true, ordering: .relaxed)
            return TraceJournal(disk: reused.disk, id: id, logger: logger, counters: counters, clock: clock)
        }
        let directory = persistent.directory + "/" + Self.directoryName(grouping) + "." + Self.directoryName(p.id) + ".journal"
        do throws(DiskQueueError) {
            let disk = try DiskQueue(.init(directory: directory, maxBytes: persistent.maxBytes, fsync: persistent.fsync, dropOldest: false))
            return TraceJournal(disk: disk, id: id, logger: logger, counters: counters, clock: clock)
        } catch {
            throw ConfigError("processors.\(grouping)", "its journal at \(directory): \(error)")
        }
    }

    func makePipeline(
        _ p: CollectorConfig.Pipeline, admission: Admission, queues: [ComponentID: ExporterQueue], journal: TraceJournal? = nil,
        terminal: ConnectorTerminal? = nil
    ) throws(ConfigError) -> Pipeline {
        var before: [(id: String, processor: any SpanProcessor)] = []
        var middle: [TraceStep] = []
        var after: [(id: String, processor: any SpanProcessor)] = []
        var grouping: GroupingStage?
        var batching: BatchingStage?
        for id in p.processors {
            // The admission stage is the process's one budget, made once (`makeAdmission`).
            guard let c = config.processors[id], c.factory.stage != .admission else { continue }
            switch try c.factory.make(erased: c.config, settings: settings(id, .processor)) {
            // Config order: processors listed before the per-trace and batching stages run per
            // request, those between them per trace, the rest per batch.
            case .inPlace(let processor):
                if batching != nil {
                    after.append((id.description, processor))
                } else if grouping != nil {
                    middle.append(.inPlace(id.description, processor))
                } else {
                    before.append((id.description, processor))
                }
            case .grouping(let stage): grouping = stage
            case .sampling(let sampler): middle.append(.sample(sampler))
            case .batching(let stage): batching = stage
            case .admission: break
            }
        }
        let fanOut = FanOut(after: after, exporters: p.exporters.compactMap { queues[$0] }, admission: admission, counters: counters)
        return Pipeline(
            id: p.id.description, admission: admission, before: before, grouping: grouping, middle: middle, batching: batching, fanOut: fanOut,
            journal: journal, terminal: terminal)
    }
}

extension CollectorApp {
    /// A pipeline's in-place processors in config order, for a dry run (`genai-collector process`).
    public static func spanProcessors(
        of pipeline: CollectorConfig.Pipeline, in config: CollectorConfig
    ) throws(ConfigError) -> [(id: String, processor: any SpanProcessor)] {
        let app = CollectorApp(config: config, logger: Logger(label: "genai-collector"))
        var out: [(id: String, processor: any SpanProcessor)] = []
        for id in pipeline.processors {
            guard let c = config.processors[id], c.factory.stage == .inPlace else { continue }
            if case .inPlace(let p) = try c.factory.make(erased: c.config, settings: app.settings(id, .processor)) { out.append((id.description, p)) }
        }
        return out
    }
}

extension Dictionary where Key == ComponentID {
    /// In id order, so start-up and errors do not depend on hashing.
    var sortedByID: [(key: ComponentID, value: Value)] { sorted { $0.key.description < $1.key.description } }
}

/// A receiver shared by several pipelines gives each its own copy; a refusal by any is the answer.
struct FanIn: TraceConsumer {
    let pipelines: [Pipeline]

    func precheck(bodyBytes: Int) -> ConsumeOutcome? {
        pipelines.lazy.compactMap { $0.precheck(bodyBytes: bodyBytes) }.first
    }

    /// Every pipeline holds the memory limiter's shared budget.
    var memory: any MemoryBudget { pipelines[0].admission }

    /// Each pipeline takes its own cost; the receiver's reservation is given back once all accepted.
    func consume(_ batch: TraceBatch, bodyBytes: Int, reserved: Int) async -> ConsumeOutcome {
        for p in pipelines {
            if case .refused = await p.consume(batch, bodyBytes: bodyBytes, reserved: 0) {
                return .refused(reason: "pipeline \(p.id) refused the data", retryAfter: .seconds(1))
            }
        }
        memory.release(reserved)
        return .accepted
    }
}

/// Calls `onAll` once every expected server has bound.
final class BoundCounter: Sendable {
    private let remaining: Mutex<Int>
    private let onAll: @Sendable () -> Void

    init(expected: Int, onAll: @escaping @Sendable () -> Void) {
        remaining = Mutex(expected)
        self.onAll = onAll
        if expected == 0 { onAll() }
    }

    func one() {
        if remaining.withLock({
            $0 -= 1; return $0 == 0
        }) {
            onAll()
        }
    }
}

extension CollectorApp {
    /// Makes the C allocator give large buffers (request bodies, decoded tables) back to the system
    /// when they are freed. glibc otherwise raises its mmap threshold after the first large free, and
    /// later megabyte-sized buffers then come from arenas that keep their pages: resident memory would
    /// drift far above what the memory limiter counts. Call once at start-up.
    public static func returnLargeBuffersToTheSystem() {
        #if canImport(Glibc)
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD in malloc.h, which the Glibc module leaves out
        _ = glibcMallopt(mmapThreshold, 1 << 20)
        #endif
    }

    /// Runs Swift tasks on the NIO event loops that do the I/O, instead of a second thread pool: a
    /// request is then received, decoded and answered without a thread switch each way (fewer
    /// context switches and futex wake-ups under load). Call once, from the main thread, first.
    public static func runTasksOnEventLoops() {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}

#if canImport(Glibc)
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// Turns readiness false as soon as graceful shutdown begins (it is the first service told), so the
/// health endpoint answers 503 while the collector drains.
struct NotReadyOnShutdown: Service {
    let readiness: Readiness

    func run() async throws {
        try? await gracefulShutdown()  // returns when shutdown begins (or throws on cancellation)
        readiness.set(false)
    }
}
