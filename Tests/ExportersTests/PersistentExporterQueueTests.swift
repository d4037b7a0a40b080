import CollectorCore
@testable import CollectorQueue
@testable import ExporterHelper
@testable import Exporters
import Logging
import OTLP
import Foundation
import Synchronization
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
}
