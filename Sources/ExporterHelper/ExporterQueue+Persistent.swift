import CollectorCore
import ComponentModel
import CollectorQueue
import Foundation
import GenAIMapping
import OTLP
import ServiceLifecycle
import Logging
import Synchronization

/// `storage: disk`: the pipeline appends each request (after its processors) to the exporter's
/// write-ahead queue and answers the client only once that is durable; the sender reads the queue,
/// gathers records into batches, and acknowledges them once sent or dropped (and counted). At
/// shutdown what could not be sent stays on disk for the next start.
extension ExporterQueue {
    /// Appends one request. Throws `.full` (pushback) or an I/O failure; either way the client retries.
    public func persist(_ batch: TraceBatch) async throws(DiskQueueError) {
        try await persist(parts: [batch])
    }

    /// Appends several parts (a whole trace's shares) as one record: encoded back to back, they read
    /// back as one request.
    public func persist(parts: [TraceBatch]) async throws(DiskQueueError) {
        guard let disk else { return }
        var payload: [UInt8] = []
        if let signal = parts.first?.signal, signal != .traces { payload = Self.signalMark(signal) }
        for part in parts { payload += OTLPProtobufEncoder().encode(part) }
        do {
            _ = try await disk.append(payload, spans: parts.reduce(0) { $0 + $1.itemCount })
        } catch {
            let reason: String
            if case .full = error { reason = "full" } else { reason = "io" }
            counters.add(.persistentQueuePushbacks, 1, ["exporter": exporter.id, "reason": reason])
            throw error
        }
        wake.yield()
        publishStats(disk)
    }

    /// A record of logs or metrics starts with a zero byte (a tag no protobuf message can start
    /// with: field number 0), then the signal; a trace record is the request alone, as before.
    static func signalMark(_ signal: Signal) -> [UInt8] { [0, signal == .logs ? 1 : 2] }

    static func decodeRecord(_ payload: [UInt8]) throws(OTLPDecodingError) -> TraceBatch {
        guard payload.first == 0, payload.count >= 2 else { return try OTLPProtobufDecoder().decode(payload) }
        return try OTLPProtobufDecoder().decode(Array(payload[2...]), signal: payload[1] == 1 ? .logs : .metrics)
    }

    func runPersistent(_ disk: DiskQueue) async {
        counters.add(.persistentQueueReplayed, disk.stats.replayed, labels)
        counters.add(.persistentQueueCorrupt, disk.stats.corruptSkipped, labels)
        if disk.stats.replayed > 0 || disk.stats.corruptSkipped > 0 {
            logger.info(
                "persistent queue reopened",
                metadata: [
                    "exporter": "\(exporter.id)", "records": "\(disk.stats.replayed)",
                    "corrupt_skipped": "\(disk.stats.corruptSkipped)",
                ])
        }
        await withGracefulShutdownHandler {
            await persistentLoop(disk, until: nil)
        } onGracefulShutdown: {
            self.state.withLock {
                $0.closed = true; $0.drainDeadline = self.time.now() + ($0.handingOver ? .zero : self.drainTimeout)
            }
            self.wake.yield()
        }
        // What is still in flight gets until the deadline; the rest stays on disk. Replaced by a
        // reload, it stops at once and leaves the queue open to its successor, which shares it.
        let handingOver = self.handingOver
        await persistentLoop(disk, until: time.now() + (handingOver ? .zero : drainTimeout))
        if !handingOver {
            do throws(DiskQueueError) {
                try await disk.close()
            } catch {
                logger.error(
                    "persistent queue: the last sync failed; what was appended since the previous one is sent again only if it reached the disk",
                    metadata: ["exporter": "\(exporter.id)", "error": "\(error)"])
            }
        }
        publishStats(disk)
        await exporter.shutdown()
    }

    private func persistentLoop(_ disk: DiskQueue, until deadline: Duration?) async {
        // A partial batch is sent once the sender has held it for `batching.wait`, timed on the
        // injected clock from when the sender first saw it (as a batch processor times a batch from
        // its first item); a full one goes at once. The timers that wake the loop are children of a
        // group of its own: one armed per partial batch (one that fires after its batch went full
        // only wakes the loop once more), all cancelled on exit, so a long batch wait never holds up
        // shutdown.
        var partialSince: Duration?
        var armedFor: Duration?
        await withDiscardingTaskGroup { timers in
            await withTaskGroup(of: Void.self) { group in
                var waiting = wakeups.makeAsyncIterator()
                var running = 0
                while true {
                    let closed = state.withLock { $0.closed }
                    if let deadline {
                        if time.now() >= deadline || disk.pending.records == 0 { break }
                    } else if closed {
                        break
                    }
                    if running >= settings.numConsumers {
                        await group.next()
                        running -= 1
                        continue
                    }
                    let pending = disk.pending
                    guard pending.records > 0 else {
                        partialSince = nil
                        guard await waiting.next() != nil else { break }
                        continue
                    }
                    let now = time.now()
                    if pending.spans < batching.spans && deadline == nil {
                        let since = partialSince ?? now
                        partialSince = since
                        let due = since + batching.wait
                        if now < due {
                            if armedFor != due {
                                armedFor = due
                                timers.addTask {
                                    do { try await self.time.sleep(due - now) } catch { return }  // cancelled at exit
                                    self.wake.yield()
                                }
                            }
                            // An append (a fuller batch), the timer, or shutdown wakes us.
                            guard await waiting.next() != nil else { break }
                            continue
                        }
                    }
                    partialSince = nil
                    let records = await disk.next(max: 10_000, maxSpans: batching.spans)
                    guard !records.isEmpty else { continue }
                    running += 1
                    group.addTask { await self.sendRecords(records, disk, deadline: deadline) }
                }
                await group.waitForAll()
            }
            timers.cancelAll()
        }
    }

    private func sendRecords(_ records: [DiskQueue.Record], _ disk: DiskQueue, deadline: Duration?) async {
        var parts: [TraceBatch] = []
        var done: [UInt64] = []
        var seqs: [UInt64] = []
        for r in records {
            do {
                parts.append(try Self.decodeRecord(r.payload))
                seqs.append(r.seq)
            } catch {
                // Written by this queue and CRC-checked: only a bug gets here. Counted, never retried.
                counters.add(.droppedSpans, r.spans, ["exporter": exporter.id, "reason": "undecodable_record"])
                done.append(r.seq)
            }
        }
        // One item per signal (a queue shared by a traces and a logs pipeline holds both).
        for signal in Signal.allCases where parts.contains(where: { $0.signal == signal }) && signal != .traces {
            let mine = parts.indices.filter { parts[$0].signal == signal }
            switch await send(ExportItem(parts: mine.map { parts[$0] }, records: nil), deadline: deadline, keep: true) {
            case .sent, .dropped: done += mine.map { seqs[$0] }
            case .kept: disk.release(mine.map { seqs[$0] })
            }
        }
        let traces = parts.indices.filter { parts[$0].signal == .traces }
        if traces.count != parts.count {
            parts = traces.map { parts[$0] }
            seqs = traces.map { seqs[$0] }
        }
        if !parts.isEmpty {
            // Translated once, here: for the exporter, and for the GenAI series if this queue feeds them.
            let onSent = state.withLock { $0.onSent }
            var records: [LangfuseRecords]?
            var stats = GenAITranslator.Stats()
            if exporter.needsRecords || onSent != nil {
                records = GenAITranslator().translate(parts: parts, stats: &stats)
                counters.add(.translatedSpans, parts.reduce(0) { $0 + $1.spans.count })
            }
            switch await send(ExportItem(parts: parts, records: exporter.needsRecords ? records : nil), deadline: deadline, keep: true) {
            case .sent:
                done += seqs
                if let onSent, let records { onSent(records, stats.notes) }
            case .dropped: done += seqs
            // Back to the queue: sent after a restart, or by the successor after a reload.
            case .kept: disk.release(seqs)
            }
        }
        do {
            try await disk.ack(done)
        } catch {
            logger.error(
                "persistent queue: cannot record progress; records will be sent again after a restart",
                metadata: ["exporter": "\(exporter.id)", "error": "\(error)"])
        }
        publishStats(disk)
    }

    func publishStats(_ disk: DiskQueue) {
        let s = disk.stats
        counters.set(.exporterQueueSize, s.records, labels)
        counters.set(.persistentQueueBytes, s.bytes, labels)
        let age = s.oldestAppendMillis.map { max(0, Int(Date().timeIntervalSince1970 * 1000) - Int($0)) / 1000 } ?? 0
        counters.set(.persistentQueueOldestAgeSeconds, age, labels)
        let dropped = state.withLock { st -> Int in
            defer { st.reportedDropOldest = max(st.reportedDropOldest, s.droppedOldestSpans) }
            return s.droppedOldestSpans - st.reportedDropOldest
        }
        if dropped > 0 { counters.add(.droppedSpans, dropped, ["exporter": exporter.id, "reason": "queue_full_drop_oldest"]) }
    }
}
