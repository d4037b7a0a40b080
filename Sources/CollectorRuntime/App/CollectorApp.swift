import CollectorCore
import ExporterHelper
import ComponentModel
import Exporters
import Logging
import NIOCore
import NIOHTTP1
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
    /// The live view (`/ui` on the metrics port), fed by every pipeline; nil when turned off.
    public let live: LiveView?

    public init(config: CollectorConfig, logger: Logger, clock: any Clock<Duration> = ContinuousClock()) {
        self.init(
            config: config, logger: logger, counters: Counters(), readiness: Readiness(), clock: clock,
            live: config.telemetry.ui.enabled ? LiveView(window: config.telemetry.ui.window, clock: clock) : nil)
    }

    /// `live`: the process's one live view, which every generation feeds (a reload keeps it).
    init(config: CollectorConfig, logger: Logger, counters: Counters, readiness: Readiness, clock: any Clock<Duration>, live: LiveView?) {
        self.config = config
        self.logger = logger
        self.counters = counters
        self.readiness = readiness
        self.clock = clock
        self.live = live
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
        for (id, p) in config.processors.sortedByID where p.stage == .admission {
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
            let context = ReceiverContext(consumer: target, auth: auth, upstream: UpstreamHTTPClient()) { listener, port in
                onListening("\(id)/\(listener)", port)
                bound.one()
            }
            receivers += try receiver.factory.make(erased: receiver.config, settings: settings(id, .receiver), context: context)
        }
        let metricsAuth = AuthSource(config.telemetry.metricsAuth)
        var telemetry: [any Service] = [
            TelemetryEndpoints.metrics(
                config.telemetry.metricsEndpoint, auth: metricsAuth, counters: counters, logger: logger, pages: livePages,
                onBound: { port in onListening("metrics", port) })
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
}

extension CollectorApp {
    /// `/ui` (the page) and `/ui/api/summary` (its numbers as JSON) on the metrics port.
    var livePages: @Sendable (String) -> HTTPResponse? {
        guard let live else { return { _ in nil } }
        let counters = counters
        return { path in
            switch path {
            case "/ui", "/ui/":
                return HTTPResponse(.ok, contentType: "text/html; charset=utf-8", body: Array(LivePage.html.utf8), headers: [("Cache-Control", "no-store")])
            case "/ui/api/summary":
                return HTTPResponse(
                    .ok, contentType: "application/json", body: Array(JSONWriter.serialize(live.summary(counters: counters)).utf8),
                    headers: [("Cache-Control", "no-store")])
            default: return nil
            }
        }
    }

    /// A pipeline's in-place processors in config order, for a dry run (`genai-collector process`).
    public static func spanProcessors(
        of pipeline: CollectorConfig.Pipeline, in config: CollectorConfig
    ) throws(ConfigError) -> [(id: String, processor: any SpanProcessor)] {
        let app = CollectorApp(config: config, logger: Logger(label: "genai-collector"))
        var out: [(id: String, processor: any SpanProcessor)] = []
        for id in pipeline.processors {
            guard let c = config.processors[id], c.stage == .inPlace || c.stage == .perTrace else { continue }
            switch try c.factory.make(erased: c.config, settings: app.settings(id, .processor)) {
            case .inPlace(let p): out.append((id.description, p))
            // The request taken as whole traces (a capture of one interaction is).
            case .perTrace(let p): out.append((id.description, p))
            default: break
            }
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

    func accepts(_ signal: Signal) -> Bool { pipelines.contains { $0.signal == signal } }

    /// Each pipeline asked once: a lazy `compactMap(...).first` asks the one it returns twice, and
    /// the memory freed in between made the second answer nil (a crash under load).
    func precheck(bodyBytes: Int) -> ConsumeOutcome? {
        for p in pipelines {
            if let refusal = p.precheck(bodyBytes: bodyBytes) { return refusal }
        }
        return nil
    }

    /// Every pipeline holds the memory limiter's shared budget.
    var memory: any MemoryBudget { pipelines[0].admission }

    func redact(text: String) -> String { pipelines.reduce(text) { $1.redact(text: $0) } }

    /// Each pipeline takes its own cost; the receiver's reservation is given back once all accepted.
    func consume(_ batch: TraceBatch, bodyBytes: Int, reserved: Int) async -> ConsumeOutcome {
        for p in pipelines where p.signal == batch.signal {
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
