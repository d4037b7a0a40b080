import CollectorCore
import CollectorQueue
import ComponentModel
import ExporterHelper
import Logging
import OTLP
import Processors
import ServiceLifecycle
import Synchronization

/// Durable mode's per-trace buffer: each request is appended to this journal (a disk queue of its
/// own, beside the exporters' queues) before the client hears OK, then held in memory by trace. A
/// released trace is appended to every exporter's queue; a journal record is acknowledged once every
/// trace with spans in it has been, so a crash while traces wait loses nothing acknowledged: the
/// next start reads the unacknowledged records back into the buffer.
final class TraceJournal: Sendable {
    let disk: DiskQueue
    let id: String
    /// Set when a reload's next generation takes this journal over: the old one leaves it open.
    let carriedOver = Atomic(false)
    /// Set when shutdown begins: a trace the exporters' queues refuse is then left in the journal
    /// (delivered after the next start) instead of retried.
    let stopping = Atomic(false)
    let logger: Logger
    let counters: Counters
    let time: Timeline

    init(disk: DiskQueue, id: String, logger: Logger, counters: Counters, clock: any Clock<Duration>) {
        self.disk = disk
        self.id = id
        self.logger = logger
        self.counters = counters
        time = Timeline(clock)
        counters.declare(.processorOutcomes, ["processor": id, "outcome": "journal_replayed_spans"])
        counters.declare(.processorOutcomes, ["processor": id, "outcome": "journal_persist_retries"])
    }
}

extension TraceJournal {
    /// One trace's shares are passed on (or sampled out): the records it was the last share of are
    /// acknowledged.
    func done(_ sources: [TraceBuffer.Source]) async {
        let done = sources.filter { $0.shareDone() }.map(\.seq)
        guard !done.isEmpty else { return }
        do throws(DiskQueueError) {
            try await disk.ack(done)
        } catch {
            logger.error(
                "groupbytrace journal: cannot record progress; its records will be read again after a restart",
                metadata: ["processor": "\(id)", "error": "\(error)"])
        }
    }
}

extension Pipeline {
    /// Durable mode with a per-trace buffer: on disk in the journal, then held.
    func journalAndHold(_ batch: TraceBatch, cost: Int, _ grouper: any GroupingService, _ journal: TraceJournal) async -> ConsumeOutcome {
        let seq: UInt64
        do throws(DiskQueueError) {
            seq = try await journal.disk.append(OTLPProtobufEncoder().encode(batch), spans: batch.spans.count)
        } catch {
            admission.release(cost)
            return .refused(reason: "\(journal.id) journal: \(error)", retryAfter: .seconds(5))
        }
        await grouper.add(batch, cost: cost, seq: seq)
        return .accepted
    }
}

extension Downstream {
    /// Released traces into every exporter's queue as one record (retried while the process runs;
    /// each queue takes it once), then their journal records acknowledged as far as they are complete.
    func persist(_ parts: [TraceBatch], cost: Int, sources: [TraceBuffer.Source], _ journal: TraceJournal) async {
        var parts = parts
        for p in fanOut.after {
            for i in parts.indices { fanOut.count(p.processor.process(&parts[i]), p.id) }
        }
        defer { fanOut.admission.release(cost) }
        var waiting = Array(fanOut.exporters.indices)
        var delay: Duration = .milliseconds(100)
        while !waiting.isEmpty {
            var failed: [Int] = []
            for i in waiting {
                do throws(DiskQueueError) {
                    try await fanOut.exporters[i].persist(parts: parts)
                } catch {
                    failed.append(i)
                }
            }
            waiting = failed
            guard !waiting.isEmpty else { break }
            if journal.stopping.load(ordering: .relaxed) {
                journal.logger.warning(
                    "groupbytrace: traces could not be queued for export at shutdown; they stay in the journal and go after the next start",
                    metadata: ["processor": "\(journal.id)", "spans": "\(parts.reduce(0) { $0 + $1.spans.count })"])
                return
            }
            fanOut.count(Self.retried, journal.id)
            do { try await journal.time.sleep(delay) } catch { return }
            delay = min(delay * 2, .seconds(5))
        }
        await journal.done(sources)
    }

    private static let retried: ProcessorOutcome = {
        var o = ProcessorOutcome()
        o.add("journal_persist_retries")
        return o
    }()
}

/// Runs a durable pipeline's per-trace buffer: at the process's first start it reads the journal's
/// unacknowledged records back into the buffer; at shutdown it marks the journal stopping, lets the
/// buffer release everything, and closes the journal unless a reload's successor took it over.
struct JournaledGrouping: Service {
    let grouper: any GroupingService
    let journal: TraceJournal
    let replay: Bool

    func run() async throws {
        if replay { await readBack() }
        try await withGracefulShutdownHandler {
            try await grouper.run()
        } onGracefulShutdown: {
            journal.stopping.store(true, ordering: .relaxed)
        }
        guard !journal.carriedOver.load(ordering: .relaxed) else { return }
        do throws(DiskQueueError) {
            try await journal.disk.close()
        } catch {
            journal.logger.error("groupbytrace journal: the last sync failed", metadata: ["processor": "\(journal.id)", "error": "\(error)"])
        }
    }

    private func readBack() async {
        var spans = 0
        while true {
            let records = await journal.disk.next(max: 1000)
            guard !records.isEmpty else { break }
            for r in records {
                do {
                    let batch = try OTLPProtobufDecoder().decode(r.payload)
                    spans += batch.spans.count
                    await grouper.add(batch, cost: 0, seq: r.seq)
                } catch {
                    // Written by this process and CRC-checked: only a bug gets here. Counted, not retried.
                    journal.counters.add(.droppedSpans, r.spans, ["processor": journal.id, "reason": "undecodable_record"])
                    do throws(DiskQueueError) {
                        try await journal.disk.ack([r.seq])
                    } catch {
                        journal.logger.error("groupbytrace journal: cannot record progress", metadata: ["error": "\(error)"])
                    }
                }
            }
        }
        guard spans > 0 else { return }
        journal.counters.add(.processorOutcomes, spans, ["processor": journal.id, "outcome": "journal_replayed_spans"])
        journal.logger.info("groupbytrace journal read back", metadata: ["processor": "\(journal.id)", "spans": "\(spans)"])
    }
}
