import CollectorCore
@testable import ExporterHelper
import Exporters
import Logging
import ServiceLifecycleTestKit
import Synchronization
import TestSupport
import Testing

/// An exporter that fails as scripted, then succeeds; records attempts and their times.
final class ScriptedExporter: Exporter {
    let id = "scripted"
    let needsRecords = false
    let script: Mutex<[ExportFailure]>
    let attempts = Mutex<[ContinuousClock.Instant]>([])
    let exported = Mutex(0)
    let gate: Mutex<CheckedContinuation<Void, Never>?> = Mutex(nil)
    let blocking: Bool
    let delay: Duration

    init(failures: [ExportFailure] = [], blocking: Bool = false, delay: Duration = .zero) {
        script = Mutex(failures)
        self.blocking = blocking
        self.delay = delay
    }

    func export(_ item: ExportItem) async throws(ExportFailure) {
        attempts.withLock { $0.append(.now) }
        if delay > .zero { try? await Task.sleep(for: delay) }
        if blocking { await withCheckedContinuation { c in gate.withLock { $0 = c } } }
        if let failure = script.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { throw failure }
        exported.withLock { $0 += item.spanCount }
    }

    func release() {
        gate.withLock {
            $0?.resume(); $0 = nil
        }
    }
    func shutdown() async {}
}

func item(spans: Int, onDone: @escaping @Sendable () -> Void = {}) -> ExportItem {
    var b = TraceBatch()
    b.spans = Array(repeating: Span(), count: spans)
    return ExportItem(batch: b, records: nil, lease: Lease(holders: 1, onRelease: onDone))
}

func settings(queue: Int = 10, consumers: Int = 1, initial: Duration = .milliseconds(10), maxElapsed: Duration = .seconds(5)) -> ExporterSettings {
    var s = ExporterSettings()
    s.queueSize = queue
    s.numConsumers = consumers
    s.initialInterval = initial
    s.maxInterval = .milliseconds(100)
    s.maxElapsedTime = maxElapsed
    s.timeout = .seconds(2)
    return s
}

/// Runs the queue as a service, then shuts it down gracefully (which drains it).
func withQueue(_ queue: ExporterQueue, _ body: () async throws -> Void) async throws {
    try await testGracefulShutdown { trigger in
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await queue.run() }
            try await body()
            trigger.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}

@Suite(.timeLimit(.minutes(5)))
struct ExporterQueueTests {
    /// A config reload replaces a queue: the old one stops at once (its batch in flight included)
    /// and its successor, with the new exporter, sends everything, once; nothing is dropped.
    @Test func aReplacedQueueHandsItsBatchesToItsSuccessor() async throws {
        let counters = Counters()
        let old = ScriptedExporter(failures: Array(repeating: .retryable("down"), count: 1000))
        let new = ScriptedExporter()
        let first = ExporterQueue(exporter: old, settings: settings(queue: 10, maxElapsed: .zero), counters: counters, logger: Logger(label: "t"))
        let second = ExporterQueue(exporter: new, settings: settings(queue: 10), counters: counters, logger: Logger(label: "t"))
        let released = Mutex(0)
        try await withQueue(first) { () async throws in
            for _ in 0..<3 { #expect(first.offer(item(spans: 5) { released.withLock { $0 += 1 } })) }
            // The first batch is in flight and failing; the others wait.
            #expect(try await eventually { old.attempts.withLock { $0.count } >= 2 })
            first.handOver(to: second)
        }
        #expect(old.exported.withLock { $0 } == 0)
        #expect(second.queued == 3, "all three batches, the one in flight included")
        #expect(released.withLock { $0 } == 0, "still held: the successor owns them")
        try await withQueue(second) { () async throws in
            #expect(try await eventually { new.exported.withLock { $0 } == 15 })
        }
        #expect(new.exported.withLock { $0 } == 15)
        #expect(released.withLock { $0 } == 3)
        #expect(counters.total(.droppedSpans) == 0)
        #expect(counters.value(.exporterSentSpans, ["exporter": "scripted"]) == 15)
    }

    @Test func retriesRetryableFailuresThenSends() async throws {
        let exporter = ScriptedExporter(failures: [.retryable("503"), .retryable("timeout")])
        let counters = Counters()
        let released = Mutex(false)
        // A generous give-up time: on a busy machine the real clock can pass 5 s between attempts.
        let queue = ExporterQueue(exporter: exporter, settings: settings(maxElapsed: .seconds(300)), counters: counters, logger: Logger(label: "t"))
        try await withQueue(queue) { () async throws in
            #expect(queue.offer(item(spans: 3) { released.withLock { $0 = true } }))
            #expect(try await eventually { exporter.exported.withLock { $0 } == 3 }, "dropped: \(counters.total(.droppedSpans))")
        }
        #expect(exporter.attempts.withLock { $0.count } == 3)
        #expect(counters.value(.exporterSentSpans, ["exporter": "scripted"]) == 3)
        #expect(released.withLock { $0 })
    }

    /// Retry-After on a test clock: the second attempt comes when the clock has moved the whole 30 s
    /// the peer asked for, not a moment before.
    @Test func honoursRetryAfter() async throws {
        let exporter = ScriptedExporter(failures: [.retryable("429", retryAfter: .seconds(30))])
        let clock = ManualClock()
        let queue = ExporterQueue(
            exporter: exporter, settings: settings(maxElapsed: .seconds(300)), counters: Counters(), logger: Logger(label: "t"), clock: clock)
        try await withQueue(queue) { () async throws in
            queue.offer(item(spans: 1))
            // The first attempt failed and its timeout (sleep 1) was cancelled; the retry wait is sleep 2.
            #expect(try await eventually { exporter.attempts.withLock { $0.count } == 1 && clock.sleepsStarted == 2 && clock.sleeping == 1 })
            // `advance` wakes due sleeps before it returns: the wait still sleeping is not due.
            clock.advance(by: .seconds(29))
            #expect(clock.sleeping == 1 && exporter.attempts.withLock { $0.count } == 1, "retried before Retry-After")
            clock.advance(by: .seconds(1))
            #expect(try await eventually { exporter.exported.withLock { $0 } == 1 })
        }
        #expect(exporter.attempts.withLock { $0.count } == 2)
    }

    @Test func permanentFailuresAreDroppedAndCounted() async throws {
        let exporter = ScriptedExporter(failures: [.permanent("400 bad data")])
        let counters = Counters()
        let queue = ExporterQueue(exporter: exporter, settings: settings(), counters: counters, logger: Logger(label: "t"))
        try await withQueue(queue) { () async throws in
            queue.offer(item(spans: 4))
            #expect(try await eventually { counters.total(.exporterSendFailedSpans) == 4 })
        }
        #expect(exporter.attempts.withLock { $0.count } == 1)
        #expect(counters.value(.droppedSpans, ["exporter": "scripted", "reason": "permanent_error"]) == 4)
    }

    @Test func retriesStopAtMaxElapsedTime() async throws {
        let exporter = ScriptedExporter(failures: Array(repeating: .retryable("down"), count: 100))
        let counters = Counters()
        let queue = ExporterQueue(exporter: exporter, settings: settings(maxElapsed: .milliseconds(150)), counters: counters, logger: Logger(label: "t"))
        try await withQueue(queue) { () async throws in
            queue.offer(item(spans: 2))
            #expect(try await eventually { counters.total(.droppedSpans) == 2 })
        }
        #expect(counters.value(.droppedSpans, ["exporter": "scripted", "reason": "retries_exhausted"]) == 2)
    }

    @Test func aFullQueueRefusesAndCounts() async throws {
        let exporter = ScriptedExporter(blocking: true)
        let counters = Counters()
        let queue = ExporterQueue(exporter: exporter, settings: settings(queue: 1), counters: counters, logger: Logger(label: "t"))
        try await withQueue(queue) { () async throws in
            #expect(queue.offer(item(spans: 1)))
            #expect(try await eventually { exporter.attempts.withLock { $0.count } == 1 })  // the sender holds the first
            #expect(queue.offer(item(spans: 1)))  // fills the queue
            #expect(!queue.offer(item(spans: 5)))  // refused
            exporter.release()
            #expect(try await eventually { exporter.exported.withLock { $0 } == 1 && exporter.attempts.withLock { $0.count } == 2 })
            exporter.release()
        }
        #expect(counters.value(.droppedSpans, ["exporter": "scripted", "reason": "queue_full"]) == 5)
        #expect(counters.value(.exporterEnqueueFailedSpans, ["exporter": "scripted"]) == 5)
    }

    /// Shutdown begins while nine of ten batches still wait (each send takes 30 ms): all are sent.
    @Test func gracefulShutdownDrainsTheQueue() async throws {
        let exporter = ScriptedExporter(delay: .milliseconds(30))
        let counters = Counters()
        let queue = ExporterQueue(exporter: exporter, settings: settings(), counters: counters, logger: Logger(label: "t"))
        try await withQueue(queue) { () async throws in
            for _ in 0..<10 { queue.offer(item(spans: 2)) }
            #expect(try await eventually { exporter.attempts.withLock { $0.count } >= 1 })
            #expect(exporter.exported.withLock { $0 } < 20, "the drain must have work left when shutdown begins")
        }
        #expect(exporter.exported.withLock { $0 } == 20)
        #expect(counters.total(.droppedSpans) == 0)
    }

    /// A sink that never recovers: on shutdown the queue tries until `drainTimeout`, then drops what is
    /// left and counts it as `shutdown_deadline`, every batch once, and releases every lease.
    @Test func whatCannotBeSentByTheDrainDeadlineIsDroppedAndCounted() async throws {
        let exporter = ScriptedExporter(failures: Array(repeating: .retryable("down"), count: 10_000))
        let counters = Counters()
        let released = Mutex(0)
        let queue = ExporterQueue(
            exporter: exporter, settings: settings(maxElapsed: .zero), counters: counters,
            logger: Logger(label: "t"), drainTimeout: .milliseconds(300))
        let shutdownBegan = Mutex<ContinuousClock.Instant?>(nil)
        try await withQueue(queue) { () async throws in
            for _ in 0..<3 { queue.offer(item(spans: 4) { released.withLock { $0 += 1 } }) }
            #expect(try await eventually { exporter.attempts.withLock { $0.count } >= 2 })
            shutdownBegan.withLock { $0 = .now }
        }
        // Only the drain is timed (300 ms deadline, 10,000 failures scripted): the wait above is on
        // retries and a busy machine's scheduling, which the deadline does not bound.
        let drain = ContinuousClock.now - (try #require(shutdownBegan.withLock { $0 }))
        #expect(drain < .seconds(10), "the drain took \(drain)")
        #expect(exporter.attempts.withLock { $0.count } < 100)
        #expect(exporter.exported.withLock { $0 } == 0)
        #expect(counters.value(.droppedSpans, ["exporter": "scripted", "reason": "shutdown_deadline"]) == 12)
        #expect(counters.total(.droppedSpans) == 12)
        #expect(counters.value(.exporterSendFailedSpans, ["exporter": "scripted"]) == 12)
        #expect(released.withLock { $0 } == 3)
    }

    @Test func upToNumConsumersBatchesAreInFlight() async throws {
        final class Overlap: Exporter {
            let id = "overlap"
            let needsRecords = false
            let state = Mutex((now: 0, peak: 0, done: 0))
            func export(_ item: ExportItem) async throws(ExportFailure) {
                state.withLock {
                    $0.now += 1; $0.peak = max($0.peak, $0.now)
                }
                try? await Task.sleep(for: .milliseconds(100))
                state.withLock {
                    $0.now -= 1; $0.done += 1
                }
            }
            func shutdown() async {}
        }
        let exporter = Overlap()
        let queue = ExporterQueue(exporter: exporter, settings: settings(queue: 20, consumers: 3), counters: Counters(), logger: Logger(label: "t"))
        try await withQueue(queue) { () async throws in
            for _ in 0..<9 { queue.offer(item(spans: 1)) }
            #expect(try await eventually { exporter.state.withLock { $0.done } == 9 })
        }
        #expect(exporter.state.withLock { $0.peak } == 3)
    }
}
