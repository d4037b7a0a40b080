import CollectorCore
import CollectorQueue
import Connectors
import ExporterHelper
import ComponentModel
import Foundation
import Exporters
import GenAIMapping
import Processors

/// One `service.pipelines.*` entry at run time: admission, the processors before the per-trace
/// and batch stages (run in the receiver's task), the log join, the per-trace buffer, then
/// `Downstream`. A logs or metrics pipeline has no per-trace stages.
final class Pipeline: TraceConsumer, Sendable {
    let id: String
    let signal: Signal
    let admission: Admission
    let before: [(id: String, processor: any SpanProcessor)]
    /// With `groupbytrace`: holds each trace until it is complete, then hands it downstream.
    let grouper: (any GroupingService)?
    let downstream: Downstream
    var fanOut: FanOut { downstream.fanOut }
    var batcher: (any BatchingService)? { downstream.batcher }
    /// With a batcher: the stage that translates and fans out its flushed batches.
    let fanOutService: FanOutService?
    /// Durable mode (every exporter has `storage: disk`): each request, after all the processors,
    /// is appended to every exporter's write-ahead queue before the client is answered; the
    /// exporters batch from their queues. With `groupbytrace`, the request goes to the buffer's own
    /// journal instead, and each trace to the exporters' queues when it is released.
    let durable: Bool
    let journal: TraceJournal?
    /// Ends in a connector: each request, after the processors, goes to the pipelines it names.
    let terminal: ConnectorTerminal?
    /// `log_join`, shared with the other pipelines that list it, and the processors listed between
    /// it and the per-trace or batch stage (run on each request it lets go).
    let join: (service: LogJoinService, after: [(id: String, processor: any SpanProcessor)])?
    /// Processors with work beside the pipeline that feeds spans in at its head (LLM judges).
    let feeders: [any PipelineFeeder]

    init(
        id: String, admission: Admission, before: [(id: String, processor: any SpanProcessor)], grouping: GroupingStage? = nil,
        middle: [TraceStep] = [], batching: BatchingStage?, fanOut: FanOut, journal: TraceJournal? = nil, terminal: ConnectorTerminal? = nil,
        fanOutWorkers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount), signal: Signal = .traces,
        join: (service: LogJoinService, after: [(id: String, processor: any SpanProcessor)])? = nil, feeders: [any PipelineFeeder] = []
    ) {
        self.id = id
        self.feeders = feeders
        self.signal = signal
        self.join = join
        self.terminal = terminal
        self.admission = admission
        self.before = before
        durable = !fanOut.exporters.isEmpty && fanOut.exporters.allSatisfy { $0.disk != nil }
        self.journal = durable && grouping != nil ? journal : nil
        let handoff = Handoff()
        downstream = Downstream(
            middle: middle, batcher: durable ? nil : batching.map { $0.make(handoff) }, fanOut: fanOut, journal: self.journal,
            chunkSpans: batching?.spans ?? 8192)
        fanOutService = durable || batching == nil ? nil : FanOutService(handoff: handoff, fanOut: fanOut, workers: fanOutWorkers)
        let downstream = downstream
        grouper = durable && self.journal == nil ? nil : grouping?.make(admission.limitBytes) { released in await downstream.take(released) }
    }

    func precheck(bodyBytes: Int) -> ConsumeOutcome? {
        admission.wouldAdmit(admission.cost(ofBody: bodyBytes)) ? nil : refusal
    }

    private var refusal: ConsumeOutcome {
        .refused(reason: "memory limit of \(admission.limitBytes >> 20) MiB in flight reached", retryAfter: admission.retryAfter)
    }

    var memory: any MemoryBudget { admission }

    func accepts(_ signal: Signal) -> Bool { signal == self.signal }

    /// Through each redaction processor of the pipeline, wherever it sits.
    func redact(text: String) -> String {
        var processors = before.map(\.processor) + (join?.after.map(\.processor) ?? [])
        for step in downstream.middle { if case .inPlace(_, let p) = step { processors.append(p) } }
        processors += fanOut.after.map(\.processor)
        var bytes = Array(text.utf8)
        var changed = false
        for case let r as RedactionProcessor in processors {
            if let redacted = r.redact(text: bytes) {
                bytes = redacted
                changed = true
            }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    func consume(_ batch: TraceBatch, bodyBytes: Int, reserved: Int) async -> ConsumeOutcome {
        if let terminal {
            var batch = batch
            for p in before { fanOut.count(p.processor.process(&batch), p.id) }
            return await terminal.consume(batch, bodyBytes: bodyBytes, reserved: reserved, admission: admission)
        }
        // The receiver's reservation becomes part of the batch's cost; only the rest is taken now.
        let cost = admission.cost(ofBody: bodyBytes, reserved: reserved)
        guard admission.tryReserve(cost - reserved) else { return refusal }
        var batch = batch
        for p in before { fanOut.count(p.processor.process(&batch), p.id) }
        if let join {
            if signal == .logs {
                await join.service.offer(batch)
                for p in join.after { fanOut.count(p.processor.process(&batch), p.id) }
            } else if durable {
                // The client hears OK only once the request, records attached, is on disk.
                batch = await join.service.hold(batch, cost: cost)
                for p in join.after { fanOut.count(p.processor.process(&batch), p.id) }
            } else {
                await join.service.add(batch, cost: cost) { [self] released, cost in await self.afterJoin(released, cost: cost) }
                return .accepted
            }
        }
        if durable, let grouper, let journal { return await journalAndHold(batch, cost: cost, grouper, journal) }
        if durable { return await persist(batch, cost: cost) }
        if let grouper {
            await grouper.add(batch, cost: cost)
        } else {
            await downstream.take([batch], cost: cost)
        }
        return .accepted
    }
}

extension Pipeline {
    /// A request the join let go (not durable): the processors after it, then on.
    func afterJoin(_ batch: TraceBatch, cost: Int) async {
        var batch = batch
        if let join { for p in join.after { fanOut.count(p.processor.process(&batch), p.id) } }
        if let grouper {
            await grouper.add(batch, cost: cost)
        } else {
            await downstream.take([batch], cost: cost)
        }
    }
}

/// A step between the per-trace buffer and the batch stage, run on each whole trace.
enum TraceStep: Sendable {
    case inPlace(String, any SpanProcessor)
    case sample(TailSampler)
    case perTrace(String, any TraceProcessor)
}

/// What follows the per-trace buffer: the processors between it and the batch stage (run on each
/// whole trace), then the batcher, or the fan-out directly; in durable mode, the exporters' queues.
final class Downstream: Sendable {
    let middle: [TraceStep]
    let batcher: (any BatchingService)?
    let fanOut: FanOut
    let journal: TraceJournal?
    /// The most spans of released traces handed on together (the batch size): one record in
    /// durable mode, one unit of the batcher otherwise.
    let chunkSpans: Int

    init(middle: [TraceStep], batcher: (any BatchingService)?, fanOut: FanOut, journal: TraceJournal? = nil, chunkSpans: Int = 8192) {
        self.chunkSpans = chunkSpans
        self.middle = middle
        self.batcher = batcher
        self.fanOut = fanOut
        self.journal = journal
    }

    /// One request (no per-trace buffer), with the admitted cost it holds.
    func take(_ parts: [TraceBatch], cost: Int) async {
        if let batcher {
            await batcher.add(parts, cost: cost)
        } else {
            fanOut.deliver(parts, cost: cost)
        }
    }

    func take(_ released: [TraceBuffer.Released]) async {
        // The traces released together go on together, in chunks of whole traces of up to
        // `chunkSpans` spans, each trace's shares merged back with the others of the request they
        // came in: a request of 100 one-span traces is one part again, not 100.
        var chunk: [(TraceBuffer.Released, [TraceBatch])] = []
        var spans = 0
        for r in released {
            guard let parts = traceSteps(r) else {
                // Sampled out: its memory goes back, and its journal records are done with it.
                fanOut.admission.release(r.cost)
                if let journal { await journal.done(r.sources) }
                continue
            }
            chunk.append((r, parts))
            spans += r.spans
            if spans >= chunkSpans {
                await pass(chunk)
                chunk = []
                spans = 0
            }
        }
        if !chunk.isEmpty { await pass(chunk) }
    }

    private func pass(_ chunk: [(TraceBuffer.Released, [TraceBatch])]) async {
        let parts = TraceBatch.regrouping(chunk.flatMap(\.1))
        if let journal {
            await persist(parts, cost: chunk.reduce(0) { $0 + $1.0.cost }, sources: chunk.flatMap(\.0.sources), journal)
        } else {
            await take(parts, cost: chunk.reduce(0) { $0 + $1.0.cost })
        }
    }

    /// The steps between the buffer and the batch stage, in order, on one whole trace; nil when a
    /// tail sampler drops it. A dropped trace's usage and cost still count in the GenAI series, so
    /// they stay exact while less is stored.
    func traceSteps(_ r: TraceBuffer.Released) -> [TraceBatch]? {
        var parts = r.parts
        // An in-place step writes into every share it is given: a share of a larger request is copied
        // out first, or each write would copy the whole request once per trace (per-trace steps copy
        // out only the parts they write to).
        if middle.contains(where: { if case .inPlace = $0 { true } else { false } }) {
            for i in parts.indices where parts[i].isShareOfLargerRequest { parts[i] = parts[i].compacted() }
        }
        for step in middle {
            switch step {
            case .inPlace(let id, let processor):
                for i in parts.indices { fanOut.count(processor.process(&parts[i]), id) }
            case .perTrace(let id, let processor):
                fanOut.count(processor.process(trace: &parts), id)
            case .sample(let sampler):
                var stats = GenAITranslator.Stats()
                let records = GenAITranslator().translate(parts: parts, stats: &stats)
                let decision = sampler.decide(trace: r.trace, parts: parts, records: records)
                sampler.count(decision, spans: r.spans)
                guard decision.keep else {
                    fanOut.counters.add(.translatedSpans, r.spans)
                    GenAIMetrics.record(stats.notes, into: fanOut.counters)
                    GenAIMetrics.record(records, into: fanOut.counters)
                    GenAIMetrics.recordTenants(parts, records, into: fanOut.counters)
                    fanOut.live?.record(records, redacted: fanOut.redacted)
                    return nil
                }
            }
        }
        return parts
    }
}

extension Pipeline {
    /// Durable mode: the request is on disk in every exporter's queue before the client hears OK.
    /// It is not translated here: the queues translate what they read back, once, when sending, and
    /// one of them feeds the GenAI series (`ExporterQueue.reportSent`).
    func persist(_ batch: TraceBatch, cost: Int) async -> ConsumeOutcome {
        var batch = batch
        for p in fanOut.after { fanOut.count(p.processor.process(&batch), p.id) }
        defer { admission.release(cost) }
        for queue in fanOut.exporters {
            do throws(DiskQueueError) {
                try await queue.persist(batch)
            } catch {
                // Exporters that took it already will send it again when the client retries: harmless,
                // as every exporter writes idempotently.
                let retry: Duration = .seconds(5)
                return .refused(reason: "\(queue.exporter.id): \(error)", retryAfter: retry)
            }
        }
        return .accepted
    }
}

/// After batching: the remaining processors, one translation shared by every exporter that needs
/// Langfuse records (and the GenAI metrics), and a copy to each exporter's queue. The admitted bytes
/// are released when the last exporter is done with the batch.
final class FanOut: Sendable {
    let after: [(id: String, processor: any SpanProcessor)]
    let exporters: [ExporterQueue]
    let admission: Admission
    let counters: Counters
    /// The live view (`/ui`) and whether these spans were redacted before it sees them.
    let live: LiveView?
    let redacted: Bool

    init(
        after: [(id: String, processor: any SpanProcessor)], exporters: [ExporterQueue], admission: Admission, counters: Counters,
        live: LiveView? = nil, redacted: Bool = false
    ) {
        self.after = after
        self.exporters = exporters
        self.admission = admission
        self.counters = counters
        self.live = live
        self.redacted = redacted
    }

    /// `parts`: the requests of one batch, in arrival order.
    func deliver(_ parts: [TraceBatch], cost: Int) {
        var parts = parts
        for p in after {
            for i in parts.indices { count(p.processor.process(&parts[i]), p.id) }
        }
        // Traces are translated once: for the exporters that need Langfuse records and for the GenAI
        // metrics. Logs and metrics go out as they came.
        var records: [LangfuseRecords]?
        if parts.first?.signal ?? .traces == .traces {
            var stats = GenAITranslator.Stats()
            let translated = GenAITranslator().translate(parts: parts, stats: &stats)
            counters.add(.translatedSpans, parts.reduce(0) { $0 + $1.spans.count })
            GenAIMetrics.record(stats.notes, into: counters)
            GenAIMetrics.record(translated, into: counters)
            GenAIMetrics.recordTenants(parts, translated, into: counters)
            live?.record(translated, redacted: redacted)
            records = translated
        }
        let admission = self.admission
        let lease = Lease(holders: exporters.count) { admission.release(cost) }
        for queue in exporters {
            queue.offer(ExportItem(parts: parts, records: queue.exporter.needsRecords ? records : nil, lease: lease))
        }
    }

    func count(_ outcome: ProcessorOutcome, _ processor: String) {
        counters.add(
            outcome.counts.map { (Counters.Key(.processorOutcomes, ["processor": processor, "outcome": $0.key]), Double($0.value)) }
                + outcome.metrics.map { ($0.key, Double($0.value)) })
    }
}

/// The end of a pipeline that ends in a connector: routes each request and hands the shares to the
/// pipelines it names, counting by tenant what they accept.
final class ConnectorTerminal: Sendable {
    let connector: any Connector
    let id: String
    let targets: [ComponentID: Pipeline]
    let counters: Counters

    init(connector: any Connector, id: String, targets: [ComponentID: Pipeline], counters: Counters) {
        self.connector = connector
        self.id = id
        self.targets = targets
        self.counters = counters
    }

    /// Each target takes its own share of the memory budget; the receiver's reservation is given
    /// back once all have accepted (on a refusal the receiver gives it back). A refusal by one
    /// target refuses the request: the client sends it again, and the targets that took it then
    /// take it twice (every sink writes idempotently).
    func consume(_ batch: TraceBatch, bodyBytes: Int, reserved: Int, admission: Admission) async -> ConsumeOutcome {
        let routes: [(pipeline: ComponentID, batch: TraceBatch)]
        switch connector.route(batch) {
        case .unknownTenant(let message): return .unknownTenant(message)
        case .to(let r): routes = r
        }
        var outcome = ConsumeOutcome.accepted
        var byTenant: [String: (spans: Int, accepted: Bool)] = [:]
        for r in routes {
            guard let target = targets[r.pipeline] else { continue }  // the config check guarantees it
            let share = batch.spans.isEmpty ? 0 : bodyBytes * r.batch.spans.count / batch.spans.count
            let o = await target.consume(r.batch, bodyBytes: share, reserved: 0)
            let tenant = r.batch.tenant.map { counters.bounded("tenant", $0, limit: 100) } ?? "none"
            let before = byTenant[tenant] ?? (r.batch.spans.count, true)
            byTenant[tenant] = (before.spans, before.accepted && o == .accepted)
            if o != .accepted { outcome = o }
        }
        for (tenant, t) in byTenant {
            counters.add(.tenantSpans, t.spans, ["connector": id, "tenant": tenant, "outcome": t.accepted ? "accepted" : "refused"])
        }
        if outcome == .accepted { admission.release(reserved) }
        return outcome
    }
}
