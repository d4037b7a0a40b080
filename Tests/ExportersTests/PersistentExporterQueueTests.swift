import CollectorCore
@testable import CollectorQueue
@testable import ExporterHelper
@testable import Exporters
import Logging
import OTLP
import Foundation
import SwiftProtobuf
import Synchronization
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5)))
struct PersistentExporterQueueTests {
    /// `when_full: drop_oldest` through the exporter's queue: the dropped spans are counted once, with
    /// their reason, however often the stats are published.
    @Test func droppedOldestSpansAreCountedOnce() async throws {
        let dir = NSTemporaryDirectory() + "genai-wal-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var batch = TraceBatch()
        batch.spans = Array(repeating: Span(), count: 3)
        let size = DiskQueue.headerSize + OTLPProtobufEncoder().encode(batch).count
        let disk = try DiskQueue(.init(directory: dir, maxBytes: 2 * size, fsync: .never, dropOldest: true))
        let counters = Counters()
        let queue = ExporterQueue(exporter: ScriptedExporter(), settings: settings(), counters: counters, logger: Logger(label: "t"), disk: disk)
        for _ in 0..<5 { try await queue.persist(batch) }
        queue.publishStats(disk)
        #expect(counters.value(.droppedSpans, ["exporter": "scripted", "reason": "queue_full_drop_oldest"]) == 9)
        #expect(counters.value(.exporterQueueSize, ["exporter": "scripted"]) == 2)
    }

    /// Nothing polls: a partial batch waits for the batch timer, which sleeps on the injected clock
    /// (half a second of wall time passes and nothing is sent), and an append that fills a batch
    /// wakes the sender at once, with the clock standing still. The wait is a minute of the injected
    /// clock, which the wall clock never reaches here, so a sender that timed batches by wall-clock
    /// record ages fails it (the timer fires and the batch still looks young).
    @Test func partialBatchWaitsForTheTimerAndAFullOneIsSentAtOnce() async throws {
        let dir = NSTemporaryDirectory() + "genai-wal-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let disk = try DiskQueue(.init(directory: dir, maxBytes: 1 << 20, fsync: .never, dropOldest: false))
        let clock = ManualClock()
        let exporter = ScriptedExporter()
        let queue = ExporterQueue(
            exporter: exporter, settings: settings(), counters: Counters(), logger: Logger(label: "t"), disk: disk,
            batching: .init(spans: 6, wait: .seconds(60)), clock: clock)
        let batch = try OTLPProtobufDecoder().decode(try SampleRequests.llmShaped(spans: 3).serializedBytes())
        try await withQueue(queue) {
            try await queue.persist(batch)
            #expect(try await eventually { clock.sleeping == 1 }, "the batch timer is armed")
            try await Task.sleep(for: .milliseconds(500))
            #expect(exporter.attempts.withLock { $0.count } == 0, "sent before its batch timer fired")
            clock.advance(by: .seconds(60))
            #expect(try await eventually { exporter.exported.withLock { $0 } == 3 })
            try await queue.persist(batch)
            try await queue.persist(batch)
            #expect(try await eventually { exporter.exported.withLock { $0 } == 9 }, "a full batch waited for the clock")
        }
        #expect(exporter.exported.withLock { $0 } == 9)
        #expect(exporter.attempts.withLock { $0.count } == 2, "one batch on the timer, one when full")
    }
}
