import CollectorCore
import ComponentModel
import ExporterHelper
import Logging
import ServiceLifecycle
import Synchronization

/// Routes each span to the backend that owns its routing key on a `HashRing`, so a trace (or a
/// service) lands whole on one gateway. Each backend is an OTLP/gRPC exporter behind its own
/// sending queue; `export` only splits and hands over, so a slow backend never holds up the rest.
/// When the backends change, the ring is replaced first, then each departing backend's queue hands
/// what it still holds (and what fails in flight) back to the router, which re-routes every trace
/// to its new owner: nothing is dropped for a backend leaving.
public final class LoadBalancingExporter: ConfiguredExporter, ExportItemSink {
    public let id: String
    public let needsRecords = false
    let config: Config
    let settings: ComponentSettings
    let time: Timeline
    private let state = Mutex(State())
    private let changes: AsyncStream<Change>
    private let change: AsyncStream<Change>.Continuation

    struct State {
        var ring = HashRing([])
        /// Bumped with each new ring, so a router that split on an older one splits again.
        var generation = 0
        var backends: [String: Backend] = [:]
        /// Durable mode: records waiting for their backends' delivery, by id.
        var waits: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        var nextWait: UInt64 = 0
        var flushing = false
    }

    struct Backend {
        let queue: ExporterQueue
        let group: ServiceGroup
    }

    enum Change {
        case started(String, ServiceGroup)
        case stopped(ServiceGroup)
    }

    public static var example: String { "{protocol: {otlp: {tls: {insecure: true}}}, resolver: {static: {hostnames: [\"localhost:4317\"]}}}" }

    public init(config: Config, settings: ComponentSettings) throws(ExportFailure) {
        id = settings.id.description
        self.config = config
        self.settings = settings
        time = Timeline(settings.clock)
        (changes, change) = AsyncStream.makeStream(of: Change.self)
        settings.counters.declare(.loadBalancerBackends, ["exporter": id])
        settings.counters.declare(.droppedSpans, ["exporter": id, "reason": "no_backend"])
        switch config.resolver {
        case .fixed(let endpoints):
            settings.counters.add(.loadBalancerResolutions, 1, ["exporter": id, "resolver": "static", "success": "true"])
            try update(endpoints, resolver: "static")
        case .dns:
            for success in ["true", "false"] { settings.counters.declare(.loadBalancerResolutions, ["exporter": id, "resolver": "dns", "success": success]) }
        }
    }

    /// The `dns` resolver: looks the name up now and every `interval` until cancelled. A lookup
    /// that fails or finds nothing keeps the last good set, and is counted and logged.
    func resolveForever() async {
        guard case .dns(let hostname, let port, let interval, let timeout, let server) = config.resolver else { return }
        let lookup = DNSLookup(hostname: hostname, server: server, timeout: timeout)
        while !Task.isCancelled {
            do throws(ExportFailure) {
                let addresses = try await lookup.addresses()
                guard !addresses.isEmpty else { throw .retryable("\(hostname) has no addresses") }
                settings.counters.add(.loadBalancerResolutions, 1, ["exporter": id, "resolver": "dns", "success": "true"])
                try update(addresses.map { Endpoint(host: $0, port: port) }, resolver: "dns")
            } catch {
                settings.counters.add(.loadBalancerResolutions, 1, ["exporter": id, "resolver": "dns", "success": "false"])
                settings.logger.warning(
                    "load-balancing DNS lookup failed; keeping the backends", metadata: ["exporter": "\(id)", "hostname": "\(hostname)", "error": "\(error)"])
            }
            do { try await time.sleep(interval) } catch { return }
        }
    }

    /// The backends' exporters and queues, each in a service group of its own so that one can stop
    /// while the others run. Returns after `shutdown` has drained them.
    public func run() async {
        await withTaskGroup(of: Void.self) { resolving in
            resolving.addTask { await self.resolveForever() }
            await runBackends()
            resolving.cancelAll()
        }
    }

    private func runBackends() async {
        await withDiscardingTaskGroup { group in
            for await c in changes {
                switch c {
                case .started(let endpoint, let backend):
                    group.addTask {
                        do { try await backend.run() } catch {
                            self.settings.logger.error(
                                "load-balancing backend stopped", metadata: ["exporter": "\(self.id)", "endpoint": "\(endpoint)", "error": "\(error)"])
                        }
                    }
                case .stopped(let backend):
                    group.addTask { await backend.triggerGracefulShutdown() }
                }
            }
        }
    }

    /// Replaces the set of backends: new ones start, departing ones hand their batches back to be
    /// re-routed. An empty set is refused (a resolver keeps the last good one).
    func update(_ endpoints: [Endpoint], resolver: String) throws(ExportFailure) {
        var byName: [String: Endpoint] = [:]
        for e in endpoints { byName[e.description] = e }
        let names = byName.keys.sorted()
        let current = state.withLock { s in s.ring }
        // The ring (thousands of points) is built only when the set of backends changed.
        guard !names.isEmpty, names != current.backends else { return }
        let ring = HashRing(names)
        var made: [(String, Backend)] = []
        for (name, endpoint) in byName where !current.backends.contains(name) {
            made.append((name, try makeBackend(endpoint)))
        }
        let departed = state.withLock { s -> [Backend] in
            s.ring = ring
            s.generation += 1
            for (endpoint, backend) in made { s.backends[endpoint] = backend }
            let gone = s.backends.keys.filter { !ring.backends.contains($0) }
            return gone.compactMap { s.backends.removeValue(forKey: $0) }
        }
        settings.counters.set(.loadBalancerBackends, ring.backends.count, ["exporter": id])
        if !current.isEmpty { settings.counters.add(.loadBalancerBackendUpdates, 1, ["exporter": id, "resolver": resolver]) }
        for (endpoint, backend) in made { change.yield(.started(endpoint, backend.group)) }
        for backend in departed {
            backend.queue.handOver(to: self)
            change.yield(.stopped(backend.group))
        }
        settings.logger.info(
            "load-balancing backends", metadata: ["exporter": "\(id)", "backends": "\(ring.backends)", "departed": "\(departed.count)"])
    }

    private func makeBackend(_ endpoint: Endpoint) throws(ExportFailure) -> Backend {
        var c = config.backend
        c.host = endpoint.host
        c.port = endpoint.port
        let name = "\(id)[\(endpoint)]"
        let backendSettings = ComponentSettings(
            id: ComponentID(type: name), kind: .exporter, logger: settings.logger, counters: settings.counters, clock: settings.clock,
            shutdownTimeout: settings.shutdownTimeout)
        let exporter = MeasuredBackend(
            inner: try OTLPGRPCExporter(config: c, settings: backendSettings), endpoint: endpoint.description, time: time, counters: settings.counters)
        let queue = ExporterQueue(
            exporter: exporter, settings: c.sending, counters: settings.counters, logger: settings.logger, drainTimeout: settings.shutdownTimeout,
            clock: settings.clock)
        return Backend(queue: queue, group: ServiceGroup(services: [queue], logger: settings.logger))
    }

    public func export(_ item: ExportItem) async throws(ExportFailure) {
        if config.sending.persistent != nil { return try await exportDurably(item) }
        // The sending queue completes the item's lease when this returns; the backends' queues
        // hold it until they are done, so it gets one more holder here.
        item.lease?.retain()
        if !route(item) {
            item.lease?.done()
            throw .retryable("no load-balancing backend is known yet")
        }
    }

    /// With its own queue on disk, the exporter reports a record sent only once every backend has
    /// delivered its share, so the record is acknowledged then: a crash before that reads it back
    /// and routes it again. A share a backend dropped, or shutdown, makes the whole record retry.
    private func exportDurably(_ item: ExportItem) async throws(ExportFailure) {
        let id = state.withLock { s -> UInt64 in
            s.nextWait += 1
            return s.nextWait
        }
        let delivered: Bool = await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let registered = state.withLock { s -> Bool in
                    guard !s.flushing else { return false }
                    s.waits[id] = c
                    return true
                }
                guard registered else { return c.resume(returning: false) }
                let lease = Lease(holders: 1) { [weak self] dropped in self?.finishWait(id, delivered: !dropped) }
                if !route(ExportItem(parts: item.parts, records: nil, lease: lease)) { finishWait(id, delivered: false) }
            }
        } onCancel: {
            finishWait(id, delivered: false)
        }
        if !delivered { throw .retryable("not every load-balancing backend has delivered its share yet") }
    }

    private func finishWait(_ id: UInt64, delivered: Bool) {
        state.withLock { $0.waits.removeValue(forKey: id) }?.resume(returning: delivered)
    }

    /// Durable: how long a record may wait for its backends (they retry on their own).
    public var holdLimit: Duration { config.sending.persistent != nil ? .seconds(3600) : .zero }

    /// Shutdown: records still waiting for their backends stay on disk, for the next start.
    public func flushHeld() async {
        let waits = state.withLock { s in
            s.flushing = true
            defer { s.waits.removeAll() }
            return Array(s.waits.values)
        }
        for w in waits { w.resume(returning: false) }
    }

    /// A departing backend's batch (or one that failed in flight there): routed again on the new ring.
    @discardableResult
    public func offer(_ item: ExportItem) -> Bool {
        if route(item) { return true }
        item.lease?.done(dropped: true)
        settings.counters.add(.droppedSpans, item.spanCount, ["exporter": id, "reason": "no_backend"])
        return false
    }

    /// Splits `item` by owner and offers each share to its backend's queue (which counts a refusal
    /// as its own drop). The offers are made under the lock, on the ring the split used, so no share
    /// reaches a backend after it was told to hand over. False when the ring is empty.
    func route(_ item: ExportItem) -> Bool {
        var (ring, generation) = state.withLock { ($0.ring, $0.generation) }
        while true {
            guard !ring.isEmpty else { return false }
            let shares = split(item, ring)
            let offered = state.withLock { s -> Bool in
                guard s.generation == generation else {
                    (ring, generation) = (s.ring, s.generation)
                    return false
                }
                let targets = shares.indices.filter { !shares[$0].isEmpty }
                let original = item.lease
                let lease = Lease(holders: targets.count) { dropped in original?.done(dropped: dropped) }
                for t in targets {
                    // Every backend on the ring has a queue (`update` adds both under this lock).
                    s.backends[ring.backends[t]]?.queue.offer(ExportItem(parts: shares[t], records: nil, lease: lease))
                }
                return true
            }
            if offered { return true }
        }
    }

    /// The item's parts by owner (an index into `ring.backends`); a part owned by one backend whole
    /// is passed on as it is.
    private func split(_ item: ExportItem, _ ring: HashRing) -> [[TraceBatch]] {
        var shares = [[TraceBatch]](repeating: [], count: ring.backends.count)
        for part in item.parts where !part.spans.isEmpty {
            let owners = Self.owners(part, ring: ring, key: config.routingKey)
            let first = owners[0]
            if owners.allSatisfy({ $0 == first }) {
                shares[first].append(part)
                continue
            }
            for owner in Set(owners) {
                var share = part
                share.removeSpans(at: owners.map { $0 != owner })
                shares[owner].append(share)
            }
        }
        return shares
    }

    /// Each span's owner, an index into `ring.backends`.
    static func owners(_ batch: TraceBatch, ring: HashRing, key: Config.RoutingKey) -> [Int] {
        switch key {
        case .traceID:
            return batch.spans.map { ring.owner(of: StableHash.mix($0.traceID.high ^ StableHash.mix($0.traceID.low))) ?? 0 }
        case .service:
            var byResource: [UInt32: Int] = [:]
            var out = [Int](repeating: 0, count: batch.spans.count)
            for scope in batch.scopes {
                let owner: Int
                if let known = byResource[scope.resourceIndex] {
                    owner = known
                } else {
                    owner = ring.owner(of: StableHash.fnv1a(serviceName(batch, resource: Int(scope.resourceIndex)).utf8)) ?? 0
                    byResource[scope.resourceIndex] = owner
                }
                for i in scope.spans.range { out[i] = owner }
            }
            return out
        }
    }

    static func serviceName(_ batch: TraceBatch, resource: Int) -> String {
        guard batch.resources.indices.contains(resource),
            let i = batch.attributeIndex(in: batch.resources[resource].attributes, key: "service.name"),
            case .string(let r) = batch.attributes[i].value
        else { return "" }
        return batch.string(r)
    }

    public func shutdown() async {
        let groups = state.withLock { s in s.backends.values.map(\.group) }
        for g in groups { change.yield(.stopped(g)) }
        change.finish()
    }
}

/// A backend's exporter, timed and counted as `otelcol_loadbalancer_backend_*`.
struct MeasuredBackend: Exporter {
    let inner: OTLPGRPCExporter
    let endpoint: String
    let time: Timeline
    let counters: Counters
    var id: String { inner.id }
    var needsRecords: Bool { false }

    func export(_ item: ExportItem) async throws(ExportFailure) {
        let started = time.now()
        var success = "false"
        defer {
            counters.add(.loadBalancerBackendOutcome, 1, ["endpoint": endpoint, "success": success])
            let elapsed = time.now() - started
            counters.add(.loadBalancerBackendLatency, elapsed.seconds, ["endpoint": endpoint])
        }
        try await inner.export(item)
        success = "true"
    }

    func run() async { await inner.run() }
    func shutdown() async { await inner.shutdown() }
}
