import CollectorCore
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

    public init(config: CollectorConfig, logger: Logger) {
        self.init(config: config, logger: logger, counters: Counters(), readiness: Readiness())
    }

    init(config: CollectorConfig, logger: Logger, counters: Counters, readiness: Readiness) {
        self.config = config
        self.logger = logger
        self.counters = counters
        self.readiness = readiness
    }

    /// Fails (before binding anything) for a component the config names that this build cannot run.
    public func checkRunnable() throws(ConfigError) {
        for p in config.pipelines {
            let disk = p.exporters.map { config.exporters[$0]?.settings.persistent != nil }
            // A request is acknowledged once durable in every exporter, or for all of them from memory.
            if disk.contains(true) && disk.contains(false) {
                throw ConfigError("service.pipelines.\(p.id).exporters", "give every exporter of a pipeline the same sending_queue.storage (disk or memory)")
            }
        }
        for (id, processor) in config.processors {
            guard case .resourceDetection(let c) = processor else { continue }
            do throws(ConfigError) {
                _ = try ResourceDetectionProcessor(config: c, environment: ProcessEnvironment.variables)
            } catch {
                throw ConfigError("processors.\(id).detectors", "env: \(error)")
            }
        }
        for (id, receiver) in config.receivers {
            guard case .otlp(let otlp) = receiver else { continue }
            for (transport, tls) in [("http", otlp.http?.tls), ("grpc", otlp.grpc?.tls)] {
                guard let tls else { continue }
                for (key, path) in [("cert_file", tls.certFile), ("key_file", tls.keyFile)] where access(path, R_OK) != 0 {
                    throw ConfigError("receivers.\(id).protocols.\(transport).tls.\(key)", "cannot read \(path)")
                }
            }
        }
        for (id, exporter) in config.exporters {
            let settings = exporter.settings
            if !settings.queueEnabled {
                throw ConfigError("exporters.\(id).sending_queue.enabled", "sending without a queue is not available yet")
            }
            if settings.persistent != nil, !settings.retryEnabled {
                throw ConfigError("exporters.\(id).retry_on_failure.enabled", "a persistent queue needs retries")
            }
            for (key, path) in exporter.tls?.files ?? [] where access(path, R_OK) != 0 {
                throw ConfigError("exporters.\(id).tls.\(key)", "cannot read \(path)")
            }
            // A directory that cannot be written would have every batch dropped after an OK.
            if case .file(let f) = exporter, let problem = PrivateFiles.checkWritable(f.directory) {
                throw ConfigError("exporters.\(id).directory", problem)
            }
            if let disk = settings.persistent, let problem = PrivateFiles.checkWritable(disk.directory) {
                throw ConfigError("exporters.\(id).sending_queue.directory", problem)
            }
        }
    }

    /// Runs until SIGTERM/SIGINT (or cancellation). `onListening` reports each bound server's port
    /// (`RECEIVER/http`, `RECEIVER/grpc`, `metrics`, `health`), so `:0` endpoints can be found.
    /// With `reload`, the files the config read are watched (and SIGHUP handled), and a changed
    /// config is swapped in without a restart: see `GenerationHost`.
    public func run(shutdownSignals: [UnixSignal] = [.sigterm, .sigint], reload: (source: ConfigSource, loaded: LoadedConfig)? = nil,
                    onListening: @escaping @Sendable (String, Int) -> Void = { _, _ in }) async throws {
        try checkRunnable()
        let admission = config.processors.values.compactMap { p -> Admission? in
            guard case .memoryLimiter(let m) = p else { return nil }
            let total = MemoryLimiter.availableMemoryBytes()
            let bytes = m.admissionBytes(totalBytes: total)
            logger.info("memory limit", metadata: ["admission_mib": "\(bytes >> 20)", "available_mib": "\(total >> 20)"])
            return Admission(limitBytes: max(bytes, 1 << 20))
        }.first ?? Admission.unlimited
        let generation = try makeGeneration(config, hash: reload?.loaded.hash ?? 0, admission: admission, previous: nil)

        // Receivers outlive generations: they hand data to a switch, and check credentials a reload may replace.
        var receivers: [any Service] = []
        var switches: [ComponentID: ConsumerSwitch] = [:]
        var receiverAuth: [String: AuthSource] = [:]
        let expected = generation.consumers.keys.reduce(0) { n, id in
            guard case .otlp(let otlp)? = config.receivers[id] else { return n }
            return n + (otlp.http == nil ? 0 : 1) + (otlp.grpc == nil ? 0 : 1)
        }
        let bound = BoundCounter(expected: expected) { readiness.set(true) }
        for (id, consumer) in generation.consumers {
            guard case .otlp(let otlp)? = config.receivers[id] else { continue }
            let target = ConsumerSwitch(memory: admission, consumer: consumer, inFlight: generation.inFlight)
            switches[id] = target
            if let http = otlp.http {
                let auth = AuthSource(http.auth)
                receiverAuth["\(id)/http"] = auth
                let receiver = OTLPHTTPReceiver(id: id.description, config: http, consumer: target, auth: auth, counters: counters, logger: logger)
                receivers.append(receiver.server { port in
                    onListening("\(id)/http", port)
                    bound.one()
                })
            }
            if let grpc = otlp.grpc {
                let auth = AuthSource(grpc.auth)
                receiverAuth["\(id)/grpc"] = auth
                receivers.append(OTLPGRPCReceiver(id: id.description, config: grpc, consumer: target, auth: auth, counters: counters, logger: logger) { port in
                    onListening("\(id)/grpc", port)
                    bound.one()
                })
            }
        }
        let metricsAuth = AuthSource(config.telemetry.metricsAuth)
        var telemetry: [any Service] = [TelemetryEndpoints.metrics(config.telemetry.metricsEndpoint, auth: metricsAuth, counters: counters, logger: logger) { port in
            onListening("metrics", port)
        }]
        for id in config.enabledExtensions {
            if case .healthCheck(let h)? = config.extensions[id] {
                telemetry.append(TelemetryEndpoints.health(h, readiness: readiness, logger: logger) { port in onListening("health", port) })
            }
        }
        let host = GenerationHost(app: self, source: reload?.source, admission: admission, first: generation,
                                  watched: reload?.loaded.files ?? [], switches: switches, receiverAuth: receiverAuth, metricsAuth: metricsAuth)
        // Shut down in reverse order: readiness turns false first, then the receivers close, then the
        // generation drains (batchers, fan-outs, exporter queues); health and /metrics go last, so
        // probes see 503 and scrapes see the drain.
        let services: [any Service] = telemetry + [host] + receivers + [NotReadyOnShutdown(readiness: readiness)]
        let group = ServiceGroup(configuration: .init(
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
        let app = CollectorApp(config: config, logger: logger, counters: counters, readiness: readiness)
        var exporterQueues: [ComponentID: ExporterQueue] = [:]
        for (id, exporter) in config.exporters {
            exporterQueues[id] = try app.makeQueue(id, exporter, reusing: previous?.queues[id]?.disk)
        }
        var pipelinesByReceiver: [ComponentID: [Pipeline]] = [:]
        var batchers: [Batcher] = []
        var fanOuts: [FanOutService] = []
        for p in config.pipelines {
            let batched = p.processors.contains { if case .batch? = config.processors[$0] { return true } else { return false } }
            for id in p.exporters where !batched && previous == nil {
                if case .clickhouse? = config.exporters[id] {
                    // One insert per request makes many small parts; ClickHouse merges them at a cost.
                    logger.warning("a clickhouse exporter without a batch processor inserts once per request; add batch (about 5000 spans or 1s)",
                                   metadata: ["pipeline": "\(p.id)", "exporter": "\(id)"])
                }
            }
            let pipeline = app.makePipeline(p, admission: admission, queues: exporterQueues)
            // Durable: the GenAI series come from the first exporter's queue, as it sends.
            if let first = p.exporters.first.flatMap({ exporterQueues[$0] }), first.disk != nil {
                let counters = counters
                first.reportSent { records, notes in
                    GenAIMetrics.record(notes, into: counters)
                    GenAIMetrics.record(records, into: counters)
                }
            }
            if let b = pipeline.batcher { batchers.append(b) }
            if let f = pipeline.fanOutService { fanOuts.append(f) }
            for r in p.receivers { pipelinesByReceiver[r, default: []].append(pipeline) }
        }
        let consumers = pipelinesByReceiver.mapValues { pipelines -> any TraceConsumer in
            pipelines.count == 1 ? pipelines[0] : FanIn(pipelines: pipelines)
        }
        // Stopped in reverse: batchers flush first, then the fan-outs finish, then the queues drain.
        let services: [any Service] = Array(exporterQueues.values) + fanOuts + batchers
        return Generation(config: config, hash: hash, queues: exporterQueues, consumers: consumers, services: services, logger: logger)
    }

    /// Why `new` cannot replace `old` without a restart (nil: it can). Listeners keep their sockets,
    /// the memory limit is shared by requests in flight, and a disk queue stays open across a reload:
    /// those must not change. Credentials, exporters, processors and pipelines may.
    static func restartRequired(from old: CollectorConfig, to new: CollectorConfig) -> String? {
        func listeners(_ c: CollectorConfig) -> [String: ReceiverConfig] {
            let used = Set(c.pipelines.flatMap(\.receivers))
            var out: [String: ReceiverConfig] = [:]
            for (id, r) in c.receivers where used.contains(id) {
                guard case .otlp(var otlp) = r else { continue }
                otlp.http?.auth = nil
                otlp.grpc?.auth = nil
                out[id.description] = .otlp(otlp)
            }
            return out
        }
        if listeners(old) != listeners(new) { return "receivers (endpoints, TLS, limits, or which are used)" }
        var oldTelemetry = old.telemetry, newTelemetry = new.telemetry
        oldTelemetry.metricsAuth = nil
        newTelemetry.metricsAuth = nil
        if oldTelemetry != newTelemetry { return "service.telemetry" }
        if old.extensions != new.extensions || old.enabledExtensions != new.enabledExtensions { return "extensions" }
        func limiters(_ c: CollectorConfig) -> [ProcessorConfig] {
            c.processors.values.filter { if case .memoryLimiter = $0 { return true } else { return false } }
        }
        if limiters(old) != limiters(new) { return "memory_limiter" }
        for (id, e) in new.exporters {
            guard let before = old.exporters[id], let disk = before.settings.persistent else { continue }
            if e.settings.persistent != disk { return "exporters.\(id).sending_queue (a disk queue's settings)" }
        }
        return nil
    }

    private func makeQueue(_ id: ComponentID, _ config: ExporterConfig, reusing previous: DiskQueue?) throws(ConfigError) -> ExporterQueue {
        let exporter: any Exporter
        let settings = config.settings
        do throws(ExportFailure) {
            switch config {
            case .file(let f): exporter = FileExporter(id: id.description, config: f)
            case .debug(let d): exporter = DebugExporter(id: id.description, config: d)
            case .clickhouse(let c): exporter = try ClickHouseExporter(id: id.description, config: c)
            case .s3(let c): exporter = try S3Exporter(id: id.description, config: c, counters: counters)
            case .langfuse(let c): exporter = try LangfuseExporter(id: id.description, config: c, counters: counters, logger: logger)
            case .otlpHTTP(let c): exporter = try OTLPHTTPExporter(id: id.description, config: c, counters: counters, logger: logger)
            case .otlpGRPC(let c): exporter = try OTLPGRPCExporter(id: id.description, config: c, counters: counters, logger: logger)
            }
        } catch {
            throw ConfigError("exporters.\(id)", "cannot start: \(error)")
        }
        guard let persistent = settings.persistent else {
            return ExporterQueue(exporter: exporter, settings: settings, counters: counters, logger: logger, drainTimeout: self.config.shutdownTimeout)
        }
        var disk: DiskQueue
        if let previous {
            disk = previous  // a reload keeps the open queue (restartRequired has checked its settings)
        } else {
            do throws(DiskQueueError) {
                disk = try DiskQueue(.init(directory: persistent.directory + "/" + Self.directoryName(id), maxBytes: persistent.maxBytes,
                                           fsync: persistent.fsync, dropOldest: persistent.dropOldest))
            } catch {
                throw ConfigError("exporters.\(id).sending_queue.directory", "\(error)")
            }
        }
        // The exporter batches from its queue as the pipeline's batch processor says.
        var batch: BatchProcessor.Config?
        for p in self.config.pipelines where batch == nil && p.exporters.contains(id) {
            for processor in p.processors {
                if case .batch(let c)? = self.config.processors[processor] { batch = c }
            }
        }
        let batching = ExporterQueue.Batching(spans: batch?.sendBatchSize ?? 8192, wait: batch?.timeout ?? .milliseconds(200))
        return ExporterQueue(exporter: exporter, settings: settings, counters: counters, logger: logger,
                             drainTimeout: self.config.shutdownTimeout, disk: disk, batching: batching)
    }

    /// `clickhouse/main` → `clickhouse_main`: one directory per exporter.
    static func directoryName(_ id: ComponentID) -> String {
        String(id.description.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }

    func makePipeline(_ p: CollectorConfig.Pipeline, admission: Admission, queues: [ComponentID: ExporterQueue]) -> Pipeline {
        var before: [(id: String, processor: any SpanProcessor)] = []
        var after: [(id: String, processor: any SpanProcessor)] = []
        var batch: BatchProcessor.Config?
        for id in p.processors {
            let processor = Self.spanProcessor(id, config.processors[id])
            if case .batch(let c)? = config.processors[id] { batch = c }
            // Config order: processors listed before `batch` run per request, the rest per batch.
            if let processor {
                if batch == nil { before.append((id.description, processor)) } else { after.append((id.description, processor)) }
            }
        }
        let fanOut = FanOut(after: after, exporters: p.exporters.compactMap { queues[$0] }, admission: admission, counters: counters)
        return Pipeline(id: p.id.description, admission: admission, before: before, batch: batch, fanOut: fanOut)
    }
}

extension CollectorApp {
    /// The in-place processor a config entry runs as; nil for the stages the runtime runs itself
    /// (`batch`, and `memory_limiter`, which is admission at the pipeline's entry).
    static func spanProcessor(_ id: ComponentID, _ config: ProcessorConfig?) -> (any SpanProcessor)? {
        switch config {
        case .environment(let c)?: return EnvironmentProcessor(config: c)
        case .attributes(let c)?: return AttributesProcessor(config: c)
        case .resource(let c)?: return AttributesProcessor(config: c, target: .resources)
        case .resourceDetection(let c)?:
            // checkRunnable has parsed the same environment, so this cannot fail after start.
            return try? ResourceDetectionProcessor(config: c, environment: ProcessEnvironment.variables)
        case .costInference(let c)?: return CostInferenceProcessor(id: id.description, config: c)
        case .redaction(let c)?: return RedactionProcessor(id: id.description, config: c)
        case .batch?, .memoryLimiter?, nil: return nil
        }
    }

    /// A pipeline's in-place processors in config order, for a dry run (`genai-collector process`).
    public static func spanProcessors(of pipeline: CollectorConfig.Pipeline, in config: CollectorConfig) -> [(id: String, processor: any SpanProcessor)] {
        pipeline.processors.compactMap { id in spanProcessor(id, config.processors[id]).map { (id.description, $0) } }
    }
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
        if remaining.withLock({ $0 -= 1; return $0 == 0 }) { onAll() }
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
