import CollectorCore
import CollectorQueue
import ComponentModel
import Connectors
import ExporterHelper
import Exporters
import Logging
import Processors
import Receivers
import ServiceLifecycle
import Synchronization

/// Building a generation from a config: exporter queues (and their disk queues), per-trace
/// journals, pipelines with their stages, and the services that run them, in stopping order.
extension CollectorApp {
    /// Exporter queues, pipelines, batchers and fan-outs for `config`. A disk queue of `previous`
    /// whose settings are unchanged is carried over as it is (the same open `DiskQueue`).
    func makeGeneration(_ config: CollectorConfig, hash: UInt64, admission: Admission, previous: Generation?) throws(ConfigError) -> Generation {
        let app = CollectorApp(config: config, logger: logger, counters: counters, readiness: readiness, clock: clock, live: live)
        var exporterQueues: [ComponentID: ExporterQueue] = [:]
        for (id, exporter) in config.exporters.sortedByID {
            exporterQueues[id] = try app.makeQueue(id, exporter, reusing: previous?.queues[id]?.disk)
        }
        var pipelinesByReceiver: [ComponentID: [Pipeline]] = [:]
        var batchers: [any BatchingService] = []
        var groupers: [any Service] = []
        var journals: [String: TraceJournal] = [:]
        var fanOuts: [FanOutService] = []
        var built: [ComponentID: Pipeline] = [:]
        // One log join per id, shared by every pipeline that lists it.
        var joins: [ComponentID: LogJoinService] = [:]
        // Work beside the pipelines that feeds them (LLM judges), stopped first.
        var feeders: [any Service] = []
        for id in Set(config.pipelines.flatMap(\.processors)).sorted(by: { $0.description < $1.description }) {
            guard let c = config.processors[id], c.stage == .joining else { continue }
            if case .joining(let j) = try c.factory.make(erased: c.config, settings: app.settings(id, .processor)) { joins[id] = j }
        }
        // Pipelines that end in a connector come last: the pipelines it hands to exist by then.
        let ordered =
            config.pipelines.filter { !$0.exporters.contains { config.connectors[$0] != nil } }
            + config.pipelines.filter { $0.exporters.contains { config.connectors[$0] != nil } }
        for p in ordered {
            let batched = p.processors.contains { config.processors[$0]?.stage == .batching }
            for id in p.exporters where !batched && previous == nil {
                if let advice = config.exporters[id]?.factory.unbatchedWarning {
                    logger.warning("\(advice)", metadata: ["pipeline": "\(p.id)", "exporter": "\(id)"])
                }
            }
            let journal = try app.makeJournal(p, queues: exporterQueues, reusing: previous?.journals)
            if let journal { journals[journal.id] = journal }
            var terminal: ConnectorTerminal?
            if let id = p.exporters.first(where: { config.connectors[$0] != nil }), let c = config.connectors[id] {
                let connector = try c.factory.make(erased: c.config, settings: app.settings(id, .connector))
                terminal = ConnectorTerminal(
                    connector: connector, id: id.description, targets: built.filter { c.factory.targets(c.config).contains($0.key) }, counters: counters)
            }
            let pipeline = try app.makePipeline(p, admission: admission, queues: exporterQueues, journal: journal, terminal: terminal, joins: joins)
            built[p.id] = pipeline
            for f in pipeline.feeders { feeders += f.attach(head: pipeline, http: JudgeHTTPClient()) }
            // Durable: the GenAI series come from the first exporter's queue, as it sends.
            if let first = p.exporters.first.flatMap({ exporterQueues[$0] }), first.disk != nil {
                let counters = counters
                let live = app.live
                let redacted = app.redacts(p)
                // A request's tenant is not kept on disk; a pipeline fed one tenant reports under it.
                let fedByConnectorsOnly = p.receivers.allSatisfy { config.connectors[$0] != nil }
                let tenant =
                    fedByConnectorsOnly ? config.connectors.values.lazy.compactMap { $0.factory.onlyTenant($0.config, of: p.id) }.first : nil
                first.reportSent { records, notes in
                    GenAIMetrics.record(notes, into: counters)
                    GenAIMetrics.record(records, into: counters)
                    if let tenant { GenAIMetrics.recordTenant(tenant, records, into: counters) }
                    live?.record(records, redacted: redacted)
                }
            }
            if let g = pipeline.grouper {
                // Durable: the journal is read back at the process's first start only (a reload's
                // successor shares it with the generation before, which releases what it holds).
                groupers.append(pipeline.journal.map { JournaledGrouping(grouper: g, journal: $0, replay: previous == nil) } ?? g)
            }
            if let b = pipeline.batcher { batchers.append(b) }
            if let f = pipeline.fanOutService { fanOuts.append(f) }
            // A connector among the receivers is not a listener: the pipeline ending in it feeds this one.
            for r in p.receivers where config.connectors[r] == nil { pipelinesByReceiver[r, default: []].append(pipeline) }
        }
        let consumers = pipelinesByReceiver.mapValues { pipelines -> any TraceConsumer in
            pipelines.count == 1 ? pipelines[0] : FanIn(pipelines: pipelines)
        }
        // Stopped in reverse: per-trace buffers release what they hold, batchers flush, then the
        // fan-outs finish, then the queues drain.
        // The joins stop first: what they hold goes on to the buffers and batchers still running.
        // Before them the judges: a verdict still in flight enters a pipeline that still runs.
        let services: [any Service] = Array(exporterQueues.values) + fanOuts + batchers + groupers + joins.sortedByID.map(\.value) + feeders
        return Generation(
            config: config, hash: hash, queues: exporterQueues, journals: journals, consumers: consumers, services: services, logger: logger)
    }

    /// Why `new` cannot replace `old` without a restart (nil: it can). Listeners keep their sockets,
    /// the memory limit is shared by requests in flight, and a disk queue stays open across a reload:
    /// those must not change. Credentials, exporters, processors and pipelines may.
    static func restartRequired(from old: CollectorConfig, to new: CollectorConfig) -> String? {
        func listeners(_ c: CollectorConfig) -> [ComponentID: any ReceiverConfiguration] {
            var out: [ComponentID: any ReceiverConfiguration] = [:]
            for id in Set(c.pipelines.flatMap(\.receivers)) { out[id] = c.receivers[id]?.config }
            return out
        }
        let (was, now) = (listeners(old), listeners(new))
        if Set(was.keys) != Set(now.keys) || now.contains(where: { id, c in was[id].map { c.needsRestart(replacing: $0) } ?? true }) {
            return "receivers (endpoints, TLS, limits, or which are used)"
        }
        var oldTelemetry = old.telemetry, newTelemetry = new.telemetry
        oldTelemetry.metricsAuth = nil
        newTelemetry.metricsAuth = nil
        if oldTelemetry != newTelemetry { return "service.telemetry" }
        if old.enabledExtensions != new.enabledExtensions { return "extensions" }
        // Components that hold sockets or a budget shared by requests in flight.
        if let id = fixedChange(
            old.extensions.mapValues { ($0.factory.reloadable, $0.config) }, new.extensions.mapValues { ($0.factory.reloadable, $0.config) })
        {
            return "extensions.\(id)"
        }
        if let id = fixedChange(
            old.processors.mapValues { ($0.factory.reloadable, $0.config) }, new.processors.mapValues { ($0.factory.reloadable, $0.config) })
        {
            return "processors.\(id) (\(id.type) cannot change without a restart)"
        }
        for (id, e) in new.exporters {
            guard let before = old.exporters[id], let disk = before.config.sending.persistent else { continue }
            if e.config.sending.persistent != disk { return "exporters.\(id).sending_queue (a disk queue's settings)" }
        }
        return nil
    }

    /// The first component that cannot be reloaded and was added, removed or changed.
    static func fixedChange(
        _ old: [ComponentID: (reloadable: Bool, config: any ComponentConfig)],
        _ new: [ComponentID: (reloadable: Bool, config: any ComponentConfig)]
    ) -> ComponentID? {
        let ids = Set(old.keys).union(new.keys).sorted { $0.description < $1.description }
        for id in ids {
            let (a, b) = (old[id], new[id])
            guard a?.reloadable == false || b?.reloadable == false else { continue }
            guard let a, let b, a.config.isEqual(to: b.config) else { return id }
        }
        return nil
    }

    func makeQueue(_ id: ComponentID, _ component: ExporterComponent, reusing previous: DiskQueue?) throws(ConfigError) -> ExporterQueue {
        let exporter: any Exporter
        let sending = component.config.sending
        do throws(ExportFailure) {
            exporter = try component.factory.make(erased: component.config, settings: settings(id, .exporter))
        } catch {
            throw ConfigError("exporters.\(id)", "cannot start: \(error)")
        }
        let signals = Set(self.config.pipelines.filter { $0.exporters.contains(id) }.map(\.signal))
        guard let persistent = sending.persistent else {
            return ExporterQueue(
                exporter: exporter, settings: sending, counters: counters, logger: logger, drainTimeout: self.config.shutdownTimeout, clock: clock,
                signals: signals)
        }
        var disk: DiskQueue
        if let previous {
            disk = previous  // a reload keeps the open queue (restartRequired has checked its settings)
        } else {
            do throws(DiskQueueError) {
                disk = try DiskQueue(
                    .init(
                        directory: persistent.directory + "/" + Self.directoryName(id), maxBytes: persistent.maxBytes,
                        fsync: persistent.fsync, dropOldest: persistent.dropOldest))
            } catch {
                throw ConfigError("exporters.\(id).sending_queue.directory", "\(error)")
            }
        }
        // The exporter batches from its queue as the pipeline's batching stage says.
        var batching: BatchingStage?
        for p in self.config.pipelines where batching == nil && p.exporters.contains(id) {
            for processorID in p.processors {
                guard let processor = self.config.processors[processorID], processor.stage == .batching else { continue }
                if case .batching(let b) = try processor.factory.make(erased: processor.config, settings: settings(processorID, .processor)) { batching = b }
            }
        }
        return ExporterQueue(
            exporter: exporter, settings: sending, counters: counters, logger: logger, drainTimeout: self.config.shutdownTimeout, disk: disk,
            batching: ExporterQueue.Batching(spans: batching?.spans ?? 8192, wait: batching?.wait ?? .milliseconds(200)), clock: clock,
            signals: signals)
    }

    /// `clickhouse/main` → `clickhouse_main`: one directory per exporter.
    static func directoryName(_ id: ComponentID) -> String {
        String(id.description.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }

    /// A durable pipeline's per-trace journal: beside its first exporter's queue, with that queue's
    /// size and fsync policy, never dropping (a full journal pushes back). A reload reuses the open one.
    func makeJournal(
        _ p: CollectorConfig.Pipeline, queues: [ComponentID: ExporterQueue], reusing previous: [String: TraceJournal]?
    ) throws(ConfigError) -> TraceJournal? {
        guard let grouping = p.processors.first(where: { config.processors[$0]?.stage == .grouping }),
            let first = p.exporters.first, let persistent = config.exporters[first]?.config.sending.persistent,
            p.exporters.allSatisfy({ queues[$0]?.disk != nil })
        else { return nil }
        let id = "\(grouping)[\(p.id)]"
        if let reused = previous?[id] {
            reused.carriedOver.store(true, ordering: .relaxed)
            return TraceJournal(disk: reused.disk, id: id, logger: logger, counters: counters, clock: clock)
        }
        let directory = persistent.directory + "/" + Self.directoryName(grouping) + "." + Self.directoryName(p.id) + ".journal"
        do throws(DiskQueueError) {
            let disk = try DiskQueue(.init(directory: directory, maxBytes: persistent.maxBytes, fsync: persistent.fsync, dropOldest: false))
            return TraceJournal(disk: disk, id: id, logger: logger, counters: counters, clock: clock)
        } catch {
            throw ConfigError("processors.\(grouping)", "its journal at \(directory): \(error)")
        }
    }

    /// Whether a redaction processor runs on the pipeline's spans before they are translated (every
    /// processor does): only then does the live view show input and output.
    func redacts(_ p: CollectorConfig.Pipeline) -> Bool {
        p.processors.contains { config.processors[$0]?.factory.type == "redaction" }
    }

    func makePipeline(
        _ p: CollectorConfig.Pipeline, admission: Admission, queues: [ComponentID: ExporterQueue], journal: TraceJournal? = nil,
        terminal: ConnectorTerminal? = nil, joins: [ComponentID: LogJoinService] = [:]
    ) throws(ConfigError) -> Pipeline {
        var before: [(id: String, processor: any SpanProcessor)] = []
        var join: (service: LogJoinService, after: [(id: String, processor: any SpanProcessor)])?
        var middle: [TraceStep] = []
        var after: [(id: String, processor: any SpanProcessor)] = []
        var grouping: GroupingStage?
        var batching: BatchingStage?
        var feeders: [any PipelineFeeder] = []
        for id in p.processors {
            // The admission stage is the process's one budget, made once (`makeAdmission`).
            guard let c = config.processors[id], c.stage != .admission else { continue }
            if c.stage == .joining {
                if let shared = joins[id] { join = (shared, []) }
                continue
            }
            let role = try c.factory.make(erased: c.config, settings: settings(id, .processor))
            switch role {
            case .inPlace(let p as any PipelineFeeder): feeders.append(p)
            case .perTrace(let p as any PipelineFeeder): feeders.append(p)
            default: break
            }
            switch role {
            // Config order: processors listed before the per-trace and batching stages run per
            // request, those between them per trace, the rest per batch.
            case .inPlace(let processor):
                if batching != nil {
                    after.append((id.description, processor))
                } else if grouping != nil {
                    middle.append(.inPlace(id.description, processor))
                } else if join != nil {
                    join?.after.append((id.description, processor))
                } else {
                    before.append((id.description, processor))
                }
            case .grouping(let stage): grouping = stage
            case .sampling(let sampler): middle.append(.sample(sampler))
            case .perTrace(let processor): middle.append(.perTrace(id.description, processor))
            case .batching(let stage): batching = stage
            case .admission, .joining: break
            }
        }
        let fanOut = FanOut(
            after: after, exporters: p.exporters.compactMap { queues[$0] }, admission: admission, counters: counters, live: live, redacted: redacts(p))
        return Pipeline(
            id: p.id.description, admission: admission, before: before, grouping: grouping, middle: middle, batching: batching, fanOut: fanOut,
            journal: journal, terminal: terminal, signal: p.signal, join: join, feeders: feeders)
    }
}
