import CollectorCore
import ExporterHelper
import ComponentModel
import GenAIMapping
import OTLP

/// Prints on stdout, per batch: a summary line (spans, traces, observation types, tokens, models); with
/// `verbosity: normal` also a line per observation; with `detailed`, every ingestion event as JSON.
/// Logs and metrics: a count line; `normal` adds a line per log record; `detailed` the OTLP/JSON.
public struct DebugExporter: Exporter {
    public let id: String
    public let needsRecords = true
    let config: DebugExporter.Config
    let write: @Sendable (String) -> Void

    public init(config: Config, settings: ComponentSettings) {
        self.init(config: config, settings: settings) { print($0) }
    }

    public init(config: Config, settings: ComponentSettings, write: @escaping @Sendable (String) -> Void) {
        self.id = settings.id.description
        self.config = config
        self.write = write
    }

    public func export(_ item: ExportItem) async throws(ExportFailure) {
        guard item.signal == .traces else {
            write("debug: \(item.spanCount) \(item.signal.items)")
            for part in item.parts {
                switch config.verbosity {
                case .basic: break
                case .normal where part.signal == .logs:
                    for r in part.logRecords { write(Self.line(r, in: part)) }
                case .normal: break
                case .detailed: write(String(decoding: OTLPJSONEncoder().encode(part), as: UTF8.self))
                }
            }
            return
        }
        write(Self.summary(item))
        guard config.verbosity != .basic, let records = item.records else { return }
        for part in records {
            if config.verbosity == .detailed {
                let lines = String(decoding: IngestionBatchEncoder().encodeLines(part), as: UTF8.self)
                for line in lines.split(separator: "\n") { write(String(line)) }
            } else {
                for o in part.observations { write(Self.line(o)) }
            }
        }
    }

    /// `normal`: an observation in one line.
    static func line(_ o: LangfuseObservation) -> String {
        var text = "  \(o.type.rawValue.lowercased()) \"\(o.name)\" span=\(o.id) trace=\(o.traceID)"
        if let m = o.model { text += " model=\(m)" }
        if let u = o.usageDetails { text += " tokens in=\(u["input"] ?? 0) out=\(u["output"] ?? 0)" }
        if let c = o.costDetails?["total"] { text += " cost=\(c)" }
        return text + " level=\(o.level.rawValue)"
    }

    /// `normal`: a log record in one line (its body cut at 200 characters).
    static func line(_ r: LogRecord, in batch: TraceBatch) -> String {
        var text = "  log"
        if !r.eventName.isEmpty { text += " \"\(batch.string(r.eventName))\"" }
        if r.severityNumber != 0 { text += " severity=\(r.severityNumber)" }
        if let t = r.traceID { text += " trace=\(t.hex)" }
        if let s = r.spanID { text += " span=\(s.hex)" }
        if let body = r.body { text += " body=" + String(JSONWriter.serialize(batch.jsonValue(body)).prefix(200)) }
        return text
    }

    public func shutdown() async {}

    static func summary(_ item: ExportItem) -> String {
        guard let records = item.records else { return "\(item.spanCount) spans" }
        // Cheap per observation (this runs on every batch): counts by type case, and models and
        // traces hashed only when they change from one observation to the next.
        let all = ObservationType.allCases
        var types = [Int](repeating: 0, count: all.count)
        var input: Int64 = 0
        var output: Int64 = 0
        var models = Set<String>()
        var traces = Set<TraceID>()
        var lastModel: String?
        var lastTrace: TraceID?
        for part in records {
            // By index, so each observation is read in place, not copied.
            for i in part.observations.indices {
                if let t = all.firstIndex(of: part.observations[i].type) { types[t] += 1 }
                if let usage = part.observations[i].usageDetails {
                    input += usage["input"] ?? 0
                    output += usage["output"] ?? 0
                }
                if let m = part.observations[i].model, m != lastModel {
                    models.insert(m)
                    lastModel = m
                }
                let trace = part.observations[i].traceID
                if trace != lastTrace {
                    traces.insert(trace)
                    lastTrace = trace
                }
            }
        }
        let typeText = zip(all, types).filter { $0.1 > 0 }
            .map { "\($0.0.rawValue.lowercased())=\($0.1)" }.sorted().joined(separator: " ")
        return "debug: \(item.spanCount) spans, \(traces.count) traces [\(typeText)] tokens in=\(input) out=\(output)"
            + (models.isEmpty ? "" : " models=\(models.sorted().joined(separator: ","))")
    }
}
