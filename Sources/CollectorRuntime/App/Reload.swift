import CollectorCore
import CollectorQueue
import ExporterHelper
import ComponentModel
import Processors
import Exporters
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals
import Receivers

/// Where the running config came from, so that it can be read again: the `--config` sources, and
/// how often to look at the files they read.
public struct ConfigSource: Sendable {
    public var sources: [String]
    /// How often the files the config read (config files, `${file:}` values) are compared with what
    /// was loaded. kubelet and the Secrets Store CSI driver replace a mount's `..data` symlink, so a
    /// path's content changes with no event on the path itself: polling sees it.
    public var interval: Duration
    /// Reload on SIGHUP too.
    public var onSIGHUP: Bool

    public init(sources: [String], interval: Duration = .seconds(1), onSIGHUP: Bool = true) {
        self.sources = sources
        self.interval = interval
        self.onSIGHUP = onSIGHUP
    }

    /// Reads, expands and decodes the config, recording every file it read.
    public func load() throws -> LoadedConfig {
        let loader = ConfigLoader()
        do {
            let config = try CollectorConfig(try loader.load(sources))
            return LoadedConfig(config: config, sources: sources, files: loader.filesRead.all)
        } catch let error as ConfigError {
            throw ConfigErrors([loader.log.redact(error)])
        } catch let error as ConfigErrors {
            throw ConfigErrors(error.errors.map { loader.log.redact($0) })
        }
    }
}

/// A decoded config and the files behind it.
public struct LoadedConfig: Sendable {
    public let config: CollectorConfig
    /// Each file read, with the fingerprint of what it held.
    public let files: [(path: String, fingerprint: UInt64)]
    /// Of every source and file: equal hashes, equal configs (secrets included).
    public let hash: UInt64

    init(config: CollectorConfig, sources: [String], files: [(path: String, text: String)]) {
        self.config = config
        var h = Fingerprint()
        for s in sources { h.add(s) }
        var seen = Set<String>()
        var watched: [(String, UInt64)] = []
        for f in files {
            h.add(f.path)
            h.add(f.text)
            if seen.insert(f.path).inserted { watched.append((f.path, Fingerprint.of(f.text))) }
        }
        self.files = watched
        hash = h.value
    }
}

/// FNV-1a, 64 bits: a change detector, not a security measure.
struct Fingerprint {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) {
        for b in text.utf8 { value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        value = (value ^ 0xff) &* 0x0000_0100_0000_01b3  // a separator: ("ab","c") ≠ ("a","bc")
    }

    static func of(_ text: String) -> UInt64 {
        var f = Fingerprint()
        f.add(text)
        return f.value
    }
}

/// Counts the requests a generation is serving, so a reload can wait for them before stopping it.
final class InFlight: Sendable {
    private let state = Mutex<(count: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    func enter() { state.withLock { $0.count += 1 } }

    func leave() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.count -= 1
            guard s.count == 0 else { return [] }
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    func idle() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.count == 0 { return true }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }
}

/// Opens once; everyone waiting, and everyone who waits later, goes on: one request in flight
/// from the start, which `open` ends.
final class Gate: Sendable {
    private let closed = InFlight()

    init() { closed.enter() }

    func open() { closed.leave() }

    func wait() async { await closed.idle() }
}

/// What a receiver hands its data to: the current generation's pipelines. A reload points it at
/// the next generation; requests already inside the old one finish there.
final class ConsumerSwitch: TraceConsumer {
    let memory: any MemoryBudget
    private let target: Mutex<(consumer: any TraceConsumer, inFlight: InFlight)>

    init(memory: any MemoryBudget, consumer: any TraceConsumer, inFlight: InFlight) {
        self.memory = memory
        target = Mutex((consumer, inFlight))
    }

    func point(at consumer: any TraceConsumer, inFlight: InFlight) {
        target.withLock { $0 = (consumer, inFlight) }
    }

    func precheck(bodyBytes: Int) -> ConsumeOutcome? {
        target.withLock { $0.consumer }.precheck(bodyBytes: bodyBytes)
    }

    func accepts(_ signal: Signal) -> Bool { target.withLock { $0.consumer }.accepts(signal) }

    func redact(text: String) -> String { target.withLock { $0.consumer }.redact(text: text) }

    func consume(_ batch: TraceBatch, bodyBytes: Int, reserved: Int) async -> ConsumeOutcome {
        // Entered under the lock: a reload that has pointed elsewhere and then found the old
        // generation idle cannot be followed by a request entering it.
        let (consumer, inFlight) = target.withLock { t in
            t.inFlight.enter()
            return (t.consumer, t.inFlight)
        }
        defer { inFlight.leave() }
        return await consumer.consume(batch, bodyBytes: bodyBytes, reserved: reserved)
    }
}

/// The part of the collector a reload replaces: exporters and their queues, processors, batchers,
/// built from one config. Receivers, the memory limit and the telemetry servers outlive it.
final class Generation: Sendable {
    let config: CollectorConfig
    let hash: UInt64
    let queues: [ComponentID: ExporterQueue]
    /// Durable per-trace buffers' journals, by `processor[pipeline]`.
    let journals: [String: TraceJournal]
    /// Per receiver: its pipelines (one, or a fan-in).
    let consumers: [ComponentID: any TraceConsumer]
    let group: ServiceGroup
    let inFlight = InFlight()
    let finished = Gate()

    init(
        config: CollectorConfig, hash: UInt64, queues: [ComponentID: ExporterQueue], journals: [String: TraceJournal] = [:],
        consumers: [ComponentID: any TraceConsumer], services: [any Service], logger: Logger
    ) {
        self.config = config
        self.hash = hash
        self.queues = queues
        self.journals = journals
        self.consumers = consumers
        group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
    }
}

/// Runs the current generation, watches the config's files (and SIGHUP), and on a change builds the
/// next generation and swaps it in: receivers point at it at once, the old one finishes the
/// requests it holds, then stops and hands its queued batches (and its open disk queues) over.
final class GenerationHost: Service {
    let app: CollectorApp
    let source: ConfigSource?
    let admission: Admission
    let first: Generation
    let switches: [ComponentID: ConsumerSwitch]
    let receiverAuth: [String: AuthSource]
    let metricsAuth: AuthSource
    let watched: [(path: String, fingerprint: UInt64)]

    init(
        app: CollectorApp, source: ConfigSource?, admission: Admission, first: Generation, watched: [(path: String, fingerprint: UInt64)],
        switches: [ComponentID: ConsumerSwitch], receiverAuth: [String: AuthSource], metricsAuth: AuthSource
    ) {
        self.app = app
        self.source = source
        self.admission = admission
        self.first = first
        self.watched = watched
        self.switches = switches
        self.receiverAuth = receiverAuth
        self.metricsAuth = metricsAuth
    }

    enum Event { case tick, signal }

    func run() async throws {
        let logger = app.logger
        app.counters.set(.configHash, Int(first.hash & 0x000F_FFFF_FFFF_FFFF))
        for outcome in ["applied", "unchanged", "failed", "restart_required"] {
            app.counters.declare(.configReloads, ["outcome": outcome])
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.runGeneration(self.first) }
            var current = first
            var seen = Dictionary(uniqueKeysWithValues: watched.map { ($0.path, $0.fingerprint) })  // paths are unique
            if let source {
                let (events, emit) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(1))
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: source.interval)
                        emit.yield(.tick)
                    }
                }
                if source.onSIGHUP {
                    group.addTask {
                        for await _ in await UnixSignalsSequence(trapping: .sighup) { emit.yield(.signal) }
                    }
                }
                await withGracefulShutdownHandler {
                    for await event in events {
                        if event == .tick {
                            // Only what changed since the last look: a broken file is tried once, not every second.
                            let now = Dictionary(uniqueKeysWithValues: seen.keys.map { ($0, Self.fingerprint(of: $0)) })
                            guard now != seen else { continue }
                            seen = now
                            logger.info("config files changed; reloading", metadata: ["files": "\(seen.keys.sorted())"])
                        } else {
                            logger.info("SIGHUP; reloading")
                        }
                        if let next = await self.reload(from: current, source: source, group: &group, seen: &seen) {
                            current = next
                        }
                    }
                } onGracefulShutdown: {
                    emit.finish()
                }
            } else {
                try? await gracefulShutdown()
            }
            // The receivers have stopped (they shut down first): stop the generation and wait.
            await current.group.triggerGracefulShutdown()
            await current.finished.wait()
            group.cancelAll()
        }
    }

    private func runGeneration(_ generation: Generation) async throws {
        defer { generation.finished.open() }
        do {
            try await generation.group.run()
        } catch {
            app.logger.critical("a pipeline stopped", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// An unreadable file reads as changed: the reload that follows fails, and says why (logged, counted).
    static func fingerprint(of path: String) -> UInt64 {
        (try? FileText.read(path)).map(Fingerprint.of) ?? 0
    }

    /// One reload; the new generation, or nil when the old one keeps running.
    private func reload(
        from current: Generation, source: ConfigSource, group: inout ThrowingTaskGroup<Void, any Error>,
        seen: inout [String: UInt64]
    ) async -> Generation? {
        let logger = app.logger
        func count(_ outcome: String) { app.counters.add(.configReloads, 1, ["outcome": outcome]) }
        let loaded: LoadedConfig
        do {
            loaded = try source.load()
            try CollectorApp(config: loaded.config, logger: logger).checkRunnable()
        } catch {
            count("failed")
            logger.error("config reload failed; the running config stays", metadata: ["error": "\(error)"])
            return nil
        }
        // The files the new config reads (a new ${file:} reference is watched from now on).
        seen = Dictionary(uniqueKeysWithValues: loaded.files.map { ($0.path, $0.fingerprint) })
        guard loaded.hash != current.hash else {
            count("unchanged")
            logger.info("config unchanged")
            return nil
        }
        if let reason = CollectorApp.restartRequired(from: current.config, to: loaded.config) {
            count("restart_required")
            logger.error(
                "config changed in a way a reload cannot apply; restart to apply it. The running config stays",
                metadata: ["change": "\(reason)"])
            return nil
        }
        let next: Generation
        do {
            next = try app.makeGeneration(loaded.config, hash: loaded.hash, admission: admission, previous: current)
        } catch {
            count("failed")
            logger.error("config reload failed; the running config stays", metadata: ["error": "\(error)"])
            return nil
        }
        // The successor's senders wait for the old ones to stop; the old queues hand over to them.
        for (id, queue) in next.queues {
            current.queues[id]?.handOver(to: queue)
            if current.queues[id] != nil { queue.sendAfter { await current.finished.wait() } }
        }
        group.addTask { try await self.runGeneration(next) }
        for (id, s) in switches {
            if let consumer = next.consumers[id] { s.point(at: consumer, inFlight: next.inFlight) }
        }
        for (id, receiver) in loaded.config.receivers {
            for (listener, credentials) in receiver.config.credentials { receiverAuth["\(id)/\(listener)"]?.current = credentials }
        }
        metricsAuth.current = loaded.config.telemetry.metricsAuth
        // Requests already inside the old generation finish there; then it stops.
        await current.inFlight.idle()
        await current.group.triggerGracefulShutdown()
        await current.finished.wait()
        app.counters.set(.configHash, Int(loaded.hash & 0x000F_FFFF_FFFF_FFFF))
        count("applied")
        logger.info("config reloaded", metadata: ["pipelines": "\(loaded.config.pipelines.map(\.id.description))"])
        return next
    }
}
