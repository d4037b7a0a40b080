import CollectorCore
import ComponentModel
import CollectorQueue
import GenAIMapping
import Logging
import ServiceLifecycle
import Synchronization

/// The sending machinery every exporter shares: a bounded in-memory queue, up to `num_consumers`
/// batches in flight, each retried with exponential backoff and jitter (honouring Retry-After) under a per-attempt timeout, and a
/// count for every span sent, failed or dropped, with the reason. On graceful shutdown it stops
/// taking new batches and drains what it holds within `drainTimeout`.
public final class ExporterQueue: Service, ExportItemSink, Sendable {
    public let exporter: any Exporter
    /// Retry waits, attempt timeouts and drain deadlines run on it.
    let time: Timeline
    public let settings: ExporterSettings
    let counters: Counters
    let logger: Logger
    let drainTimeout: Duration
    let state = Mutex(State())
    let wakeups: AsyncStream<Void>
    let wake: AsyncStream<Void>.Continuation
    /// With `storage: disk`: the write-ahead queue the pipeline appends to, and how the sender
    /// gathers its records into batches (the pipeline's batch settings).
    public let disk: DiskQueue?
    let batching: Batching

    public struct Batching: Sendable {
        public var spans: Int
        public var wait: Duration
        public init(spans: Int, wait: Duration) {
            self.spans = spans
            self.wait = wait
        }
    }

    struct State {
        var items: [ExportItem] = []
        var closed = false
        /// Set when shutdown begins: batches in flight stop retrying then.
        var drainDeadline: Duration?
        /// Spans the persistent queue dropped as oldest that the counters already show.
        var reportedDropOldest = 0
        /// A config reload replaces this queue: shutdown then stops at once and hands what is left
        /// (the batches held; with a disk queue, the open queue itself) to the successor.
        var handingOver = false
        var successor: (any ExportItemSink)?
        /// Awaited before the first send: the predecessor's senders must have stopped first.
        var gate: (@Sendable () async -> Void)?
        /// Durable mode: told the translated records of each batch this queue has sent.
        var onSent: (@Sendable ([LangfuseRecords], TranslationNotes) -> Void)?
    }

    /// Durable mode: `record` gets the Langfuse records of every batch this queue sends, translated
    /// once on the way out (the pipeline's GenAI series come from one queue, so nothing is
    /// translated at intake or counted twice).
    public func reportSent(_ record: @escaping @Sendable ([LangfuseRecords], TranslationNotes) -> Void) {
        state.withLock { $0.onSent = record }
    }

    /// Marks this queue as replaced by a reload; call before its graceful shutdown. Its batches go
    /// to `successor` (nil: there is none, the exporter left the config; they are drained then).
    /// With a disk queue, the successor shares the same `DiskQueue`, which stays open. (A load
    /// balancer hands a departing backend's batches to its router, which re-routes each trace.)
    public func handOver(to successor: (any ExportItemSink)?) {
        state.withLock { s in
            s.handingOver = successor != nil
            s.successor = successor
        }
    }

    /// Holds the senders until `gate` returns (the queue this one replaces has stopped sending).
    /// Batches are taken meanwhile.
    public func sendAfter(_ gate: @escaping @Sendable () async -> Void) {
        state.withLock { $0.gate = gate }
    }

    var handingOver: Bool { state.withLock { $0.handingOver } }

    /// A batch this queue will not send: to the successor, or dropped and counted.
    func pass(_ item: ExportItem, reason: String) {
        if let next = state.withLock({ $0.successor }) {
            next.offer(item)  // a full successor counts it as queue_full
            return
        }
        item.lease?.done(dropped: true)
        counters.add(.exporterItems(item.signal, .dropped), item.spanCount, ["exporter": exporter.id, "reason": reason])
    }

    public init(
        exporter: any Exporter, settings: ExporterSettings, counters: Counters, logger: Logger,
        drainTimeout: Duration = .seconds(10), disk: DiskQueue? = nil, batching: Batching = Batching(spans: 8192, wait: .milliseconds(200)),
        clock: any Clock<Duration> = ContinuousClock(), signals: Set<Signal> = [.traces]
    ) {
        self.time = Timeline(clock)
        self.exporter = exporter
        self.settings = settings
        self.counters = counters
        self.logger = logger
        self.drainTimeout = drainTimeout
        self.disk = disk
        self.batching = batching
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        counters.set(.exporterQueueCapacity, disk?.config.maxBytes ?? settings.queueSize, ["exporter": exporter.id])
        let id = ["exporter": exporter.id]
        for metric in [MetricName.exporterRetries, .exporterQueueSize] { counters.declare(metric, id) }
        for signal in signals {
            for outcome in [MetricName.ExporterOutcome.sent, .sendFailed, .enqueueFailed] { counters.declare(.exporterItems(signal, outcome), id) }
            for reason in Self.dropReasons { counters.declare(.exporterItems(signal, .dropped), ["exporter": exporter.id, "reason": reason]) }
        }
        if disk != nil {
            for metric in [MetricName.persistentQueueBytes, .persistentQueueOldestAgeSeconds, .persistentQueueReplayed, .persistentQueueCorrupt] {
                counters.declare(metric, id)
            }
            for reason in ["full", "io"] { counters.declare(.persistentQueuePushbacks, ["exporter": exporter.id, "reason": reason]) }
            for reason in ["undecodable_record", "queue_full_drop_oldest"] {
                counters.declare(.droppedSpans, ["exporter": exporter.id, "reason": reason])
            }
        }
    }

    /// Every reason this queue drops a batch for; each series is exported from the start.
    static let dropReasons = ["queue_full", "permanent_error", "retries_exhausted", "shutdown_deadline"]

    var labels: [String: String] { ["exporter": exporter.id] }

    /// Takes a batch unless the queue is full or closed; a refusal is counted as a drop.
    @discardableResult
    public func offer(_ item: ExportItem) -> Bool {
        let size: Int? = state.withLock { s in
            guard !s.closed, s.items.count < settings.queueSize else { return nil }
            s.items.append(item)
            return s.items.count
        }
        guard let size else {
            item.lease?.done(dropped: true)
            counters.add(.exporterItems(item.signal, .enqueueFailed), item.spanCount, labels)
            counters.add(.exporterItems(item.signal, .dropped), item.spanCount, ["exporter": exporter.id, "reason": "queue_full"])
            logger.warning(
                "sending queue full; batch dropped", metadata: ["exporter": "\(exporter.id)", "\(item.signal.items)": "\(item.spanCount)"])
            return false
        }
        counters.set(.exporterQueueSize, size, labels)
        wake.yield()
        return true
    }

    public var queued: Int { state.withLock { $0.items.count } }

    public func run() async throws {
        // The exporter's background work belongs to the queue, and ends after `exporter.shutdown()`.
        await withDiscardingTaskGroup { group in
            group.addTask { await self.exporter.run() }
            await self.sendUntilStopped()
        }
    }

    private func sendUntilStopped() async {
        if let gate = state.withLock({ $0.gate }) {
            await gate()
        }
        if let disk {
            await runPersistent(disk)
            return
        }
        await withTaskGroup(of: Void.self) { group in
            // An exporter that holds batches (S3 fills objects) writes them out once shutdown
            // begins, while the sends waiting on them are still in the loop below.
            group.addTask {
                guard (try? await gracefulShutdown()) != nil else { return }
                await self.exporter.flushHeld()
            }
            await withGracefulShutdownHandler {
                await sendLoop(until: nil)
            } onGracefulShutdown: {
                self.state.withLock {
                    $0.closed = true; $0.drainDeadline = self.time.now() + ($0.handingOver ? .zero : self.drainTimeout)
                }
                self.wake.yield()
            }
            await group.waitForAll()
        }
        // Drain what is left, within the deadline (at once when handing over); the rest goes to the
        // successor, or is dropped and counted.
        let handingOver = self.handingOver
        let deadline = time.now() + (handingOver ? .zero : drainTimeout)
        await sendLoop(until: deadline)
        let left = state.withLock { s -> [ExportItem] in
            defer { s.items.removeAll() }
            return s.items
        }
        for item in left { pass(item, reason: "shutdown_deadline") }
        if !left.isEmpty && !handingOver {
            logger.error("shutdown deadline passed; batches dropped", metadata: ["exporter": "\(exporter.id)", "batches": "\(left.count)"])
        }
        await exporter.shutdown()
    }

    /// Sends until closed and empty (or past `deadline`), up to `numConsumers` batches at once.
    private func sendLoop(until deadline: Duration?) async {
        await withTaskGroup(of: Void.self) { group in
            var waiting = wakeups.makeAsyncIterator()
            var running = 0
            while true {
                if let deadline, time.now() >= deadline { break }
                if running >= settings.numConsumers {
                    await group.next()
                    running -= 1
                    continue
                }
                let (next, closed) = state.withLock { s -> (ExportItem?, Bool) in
                    (s.items.isEmpty ? nil : s.items.removeFirst(), s.closed)
                }
                guard let item = next else {
                    if closed { break }
                    guard await waiting.next() != nil else { break }
                    continue
                }
                counters.set(.exporterQueueSize, queued, labels)
                running += 1
                group.addTask {
                    // Replaced by a reload: a batch that would retry goes to the successor instead.
                    switch await self.send(item, deadline: deadline) {
                    case .kept: self.pass(item, reason: "shutdown_deadline")
                    case .dropped: item.lease?.done(dropped: true)
                    case .sent: item.lease?.done()
                    }
                }
            }
            await group.waitForAll()
        }
    }

    enum Outcome { case sent, dropped, kept }

    /// Sends with retries. Past `deadline` (shutdown) the batch is dropped and counted, or, with
    /// `keep` (it is on disk), left for the next start.
    func send(_ item: ExportItem, deadline: Duration?, keep: Bool = false) async -> Outcome {
        let started = time.now()
        var delay = settings.initialInterval
        var attempt = 0
        while true {
            attempt += 1
            let failure: ExportFailure
            do {
                try await withTimeout(settings.timeout + exporter.holdLimit, time) { () async throws(ExportFailure) in try await self.exporter.export(item) }
                counters.add(.exporterItems(item.signal, .sent), item.spanCount, labels)
                return .sent
            } catch {
                failure = error
            }
            guard failure.kind == .retryable, settings.retryEnabled else {
                drop(item, reason: "permanent_error", failure)
                return .dropped
            }
            var wait = failure.retryAfter ?? jittered(delay)
            if wait > settings.maxInterval && failure.retryAfter == nil { wait = settings.maxInterval }
            let now = time.now()
            let deadline = deadline ?? state.withLock { $0.drainDeadline }
            if keep || handingOver, let deadline, now + wait > deadline { return .kept }
            // max_elapsed_time: 0 retries for ever (a persistent queue's usual setting).
            if settings.maxElapsedTime > .zero && now + wait - started > settings.maxElapsedTime {
                drop(item, reason: "retries_exhausted", failure)
                return .dropped
            }
            // Shutting down, and the next try would come after the drain deadline: the deadline, not
            // the retry budget, ended it.
            if let deadline, now + wait > deadline {
                drop(item, reason: "shutdown_deadline", failure)
                return .dropped
            }
            counters.add(.exporterRetries, 1, labels)
            logger.info(
                "export failed; retrying", metadata: ["exporter": "\(exporter.id)", "attempt": "\(attempt)", "error": "\(failure.message)", "in": "\(wait)"])
            try? await time.sleep(wait)
            delay = min(delay * 2, settings.maxInterval)
        }
    }

    func drop(_ item: ExportItem, reason: String, _ failure: ExportFailure) {
        counters.add(.exporterItems(item.signal, .sendFailed), item.spanCount, labels)
        counters.add(.exporterItems(item.signal, .dropped), item.spanCount, ["exporter": exporter.id, "reason": reason])
        logger.error(
            "export failed; batch dropped",
            metadata: ["exporter": "\(exporter.id)", "reason": "\(reason)", "error": "\(failure)", "\(item.signal.items)": "\(item.spanCount)"])
    }

    /// ±20% jitter so many collectors do not retry in step.
    private func jittered(_ d: Duration) -> Duration { d * Double.random(in: 0.8...1.2) }
}

/// Runs `body`, failing as retryable if it takes longer than `limit`.
func withTimeout(_ limit: Duration, _ time: Timeline, _ body: @escaping @Sendable () async throws(ExportFailure) -> Void) async throws(ExportFailure) {
    let result: Result<Void, ExportFailure> = await withTaskGroup(of: Result<Void, ExportFailure>?.self) { group in
        group.addTask {
            do throws(ExportFailure) { try await body(); return .success(()) } catch { return .failure(error) }
        }
        group.addTask {
            try? await time.sleep(limit)
            return Task.isCancelled ? nil : .failure(.retryable("timed out after \(limit)"))
        }
        var outcome: Result<Void, ExportFailure> = .failure(.retryable("cancelled"))
        for await r in group {
            if let r { outcome = r; break }
        }
        group.cancelAll()
        return outcome
    }
    try result.get()
}
