import CollectorCore
import CollectorQueue
import ExporterHelper
import ComponentModel
import Connectors
import Exporters
import Processors
import Receivers

/// A decoded and validated collector config: components by id, and the pipelines wiring them.
public struct CollectorConfig: Sendable {
    public struct Pipeline: Sendable, Equatable {
        public var id: ComponentID
        /// From the id's type: `traces`, `logs` or `metrics`.
        public var signal: Signal { Signal(rawValue: id.type) ?? .traces }
        public var receivers: [ComponentID]
        /// In execution order.
        public var processors: [ComponentID]
        public var exporters: [ComponentID]
    }

    public struct Telemetry: Sendable, Equatable {
        /// Prometheus `/metrics` (the OpenTelemetry Collector's default port).
        public var metricsEndpoint: Endpoint = Endpoint(host: "localhost", port: 8888)
        /// Credentials a scraper must send (the series name models, environments and costs).
        public var metricsAuth: AuthConfig?
        public var logLevel: String = "info"
        /// `text` (one line per event) or `json` (one JSON object per line, for log collectors).
        public var logEncoding: String = "text"
        /// The live view at `/ui` on the metrics port (same credentials): on unless turned off.
        public var ui = UI()
    }

    /// `service.telemetry.ui`: `{enabled: true, window: 5m}`.
    public struct UI: Sendable, Equatable {
        public var enabled = true
        /// The recent window its rates, sums and percentiles cover.
        public var window: Duration = .seconds(300)
    }

    public var receivers: [ComponentID: ReceiverComponent] = [:]
    public var processors: [ComponentID: ProcessorComponent] = [:]
    public var exporters: [ComponentID: ExporterComponent] = [:]
    public var extensions: [ComponentID: ExtensionComponent] = [:]
    public var connectors: [ComponentID: ConnectorComponent] = [:]
    public var enabledExtensions: [ComponentID] = []
    public var pipelines: [Pipeline] = []
    public var telemetry = Telemetry()
    /// How long a SIGTERM'd collector drains its queues before what is left is dropped and counted
    /// (`shutdown_deadline`); a pod's `terminationGracePeriodSeconds` must be longer.
    public var shutdownTimeout: Duration = .seconds(10)
    /// Components written with an alias (`otlp` for `otlp_grpc`): section, id, canonical type.
    public private(set) var aliased: [(section: String, id: ComponentID, type: String)] = []

    static let sections = ["receivers", "processors", "exporters", "connectors", "extensions", "service"]
    /// Ids written in each section, including those whose config had mistakes (reported once, there).
    private var declared: [String: Set<ComponentID>] = [:]
    static let logLevels = ["debug", "info", "warn", "error"]

    /// Decodes and validates (no I/O). Throws every mistake found, each with its key path.
    public init(_ root: ConfigNode) throws(ConfigErrors) {
        var errors: [ConfigError] = []
        func attempt(_ body: () throws(ConfigError) -> Void) {
            do { try body() } catch { errors.append(error) }
        }
        var top: ConfigMap
        do { top = try ConfigMap(root, path: "") } catch { throw ConfigErrors([error]) }
        for key in top.keys where !Self.sections.contains(key) {
            errors.append(ConfigError(key, "unknown section (expected \(Self.sections.joined(separator: ", ")))"))
        }
        receivers = Self.components(&top, "receivers", ComponentRegistry.receivers, \.type, &declared, &aliased, &errors) { (f, m) throws(ConfigError) in
            try f.decodeReceiver(&m)
        }
        processors = Self.components(&top, "processors", ComponentRegistry.processors, \.type, &declared, &aliased, &errors) { (f, m) throws(ConfigError) in
            try f.decode(&m)
        }
        exporters = Self.components(&top, "exporters", ComponentRegistry.exporters, \.type, &declared, &aliased, &errors) { (f, m) throws(ConfigError) in
            try f.decodeExporter(&m)
        }
        extensions = Self.components(&top, "extensions", ComponentRegistry.extensions, \.type, &declared, &aliased, &errors) { (f, m) throws(ConfigError) in
            try f.decode(&m)
        }
        connectors = Self.components(&top, "connectors", ComponentRegistry.connectors, \.type, &declared, &aliased, &errors) { (f, m) throws(ConfigError) in
            try f.decode(&m)
        }
        attempt { () throws(ConfigError) in
            guard var service = try top.map("service") else { throw ConfigError("service", "is required (service.pipelines)") }
            try decodeService(&service, &errors)
            try service.finish()
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }

    /// What `validate` prints: each pipeline's path, then every component by section, with its type.
    public var summary: [String] {
        var lines: [String] = []
        for p in pipelines {
            let processors = p.processors.isEmpty ? "" : " → " + p.processors.map(\.description).joined(separator: " → ")
            lines.append(
                "  \(p.id): \(p.receivers.map(\.description).joined(separator: ", "))\(processors) → \(p.exporters.map(\.description).joined(separator: ", "))")
        }
        func section(_ name: String, _ types: [ComponentID: String]) {
            guard !types.isEmpty else { return }
            let entries = types.sorted { $0.key.description < $1.key.description }.map { id, type in
                id.type == type ? id.description : "\(id) (\(type))"
            }
            lines.append("  \(name): \(entries.joined(separator: ", "))")
        }
        section("receivers", receivers.mapValues(\.factory.type))
        section("processors", processors.mapValues(\.factory.type))
        section("exporters", exporters.mapValues(\.factory.type))
        section("connectors", connectors.mapValues(\.factory.type))
        section("extensions", extensions.mapValues(\.factory.type))
        for a in aliased {
            lines.append("  \(a.section).\(a.id) is \(a.type) (\(a.id.type) is the OpenTelemetry Collector's name for it)")
        }
        return lines
    }

    /// One section: `type[/name]` keys, each decoded by its type's factory (an alias by its
    /// canonical type's; the id keeps the name written, so references match it).
    static func components<F, C>(
        _ top: inout ConfigMap, _ section: String, _ factories: [F], _ typeOf: (F) -> String,
        _ declared: inout [String: Set<ComponentID>],
        _ aliased: inout [(section: String, id: ComponentID, type: String)],
        _ errors: inout [ConfigError],
        decode: (F, inout ConfigMap) throws(ConfigError) -> C
    ) -> [ComponentID: Component<F, C>] {
        var registry: [String: F] = [:]
        for f in factories { registry[typeOf(f)] = f }
        var out: [ComponentID: Component<F, C>] = [:]
        let map: ConfigMap?
        do { map = try top.map(section) } catch { errors.append(error); return out }
        guard let map else { return out }
        for entry in map.entries {
            let path = map.childPath(entry.key)
            do throws(ConfigError) {
                let id = try ComponentID(parsing: entry.key, path: path)
                declared[section, default: []].insert(id)
                let kind = section.dropLast()
                let canonical = ComponentRegistry.aliases[section]?[id.type]
                guard let factory = registry[canonical ?? id.type] else {
                    let known = registry.keys.sorted().joined(separator: ", ")
                    if ComponentRegistry.notImplemented[section]?.contains(id.type) == true {
                        throw ConfigError(
                            path,
                            "the \(id.type) \(kind) is not implemented: genai-collector takes OTLP only (remove it, or send OTLP to an otlp \(kind); known: \(known))"
                        )
                    }
                    throw ConfigError(path, "unknown \(kind) type '\(id.type)' (known: \(known))")
                }
                if let canonical { aliased.append((section, id, canonical)) }
                var m = try ConfigMap(entry.value, path: path)
                let config = try decode(factory, &m)
                try m.finish()
                out[id] = Component(id: id, factory: factory, config: config)
            } catch {
                errors.append(error)
            }
        }
        return out
    }

    private mutating func decodeService(_ service: inout ConfigMap, _ errors: inout [ConfigError]) throws(ConfigError) {
        for (i, name) in try service.strings("extensions").enumerated() {
            let path = "\(service.childPath("extensions"))[\(i)]"
            let id = try ComponentID(parsing: name, path: path)
            if declared["extensions"]?.contains(id) != true { errors.append(ConfigError(path, "extension '\(name)' is not defined under extensions")) }
            enabledExtensions.append(id)
        }
        if var telemetry = try service.map("telemetry") {
            if var metrics = try telemetry.map("metrics") {
                self.telemetry.metricsEndpoint = try metrics.endpoint("address", default: "localhost:8888")
                self.telemetry.metricsAuth = try metrics.auth()
                try metrics.finish()
            }
            if var logs = try telemetry.map("logs") {
                self.telemetry.logLevel = try logs.choice("level", Self.logLevels, default: "info")
                self.telemetry.logEncoding = try logs.choice("encoding", ["text", "json"], default: "text")
                try logs.finish()
            }
            if var ui = try telemetry.map("ui") {
                self.telemetry.ui.enabled = try ui.bool("enabled", default: true)
                self.telemetry.ui.window = try ui.duration("window", default: .seconds(300))
                if self.telemetry.ui.window < .seconds(30) || self.telemetry.ui.window > .seconds(3600) {
                    throw ConfigError(ui.childPath("window"), "must be between 30s and 1h")
                }
                try ui.finish()
            }
            try telemetry.finish()
        }
        shutdownTimeout = try service.duration("shutdown_timeout", default: .seconds(10))
        if shutdownTimeout <= .zero { throw ConfigError(service.childPath("shutdown_timeout"), "must be positive") }
        guard var pipelines = try service.map("pipelines"), !pipelines.entries.isEmpty else {
            throw ConfigError(service.childPath("pipelines"), "define at least one pipeline (traces)")
        }
        for entry in pipelines.entries {
            let path = pipelines.childPath(entry.key)
            _ = pipelines.node(entry.key)  // every pipeline key is read here
            do throws(ConfigError) {
                let id = try ComponentID(parsing: entry.key, path: path)
                guard Signal(rawValue: id.type) != nil else {
                    throw ConfigError(path, "unknown signal '\(id.type)': pipelines are traces, logs or metrics (traces/NAME ...)")
                }
                var m = try ConfigMap(entry.value, path: path)
                let pipeline = Pipeline(
                    id: id,
                    receivers: try references(&m, "receivers", required: true, &errors, orConnector: true),
                    processors: try references(&m, "processors", required: false, &errors),
                    exporters: try references(&m, "exporters", required: true, &errors, orConnector: true))
                try m.finish()
                if Set(pipeline.processors).count != pipeline.processors.count {
                    throw ConfigError(m.childPath("processors"), "a processor is listed twice")
                }
                try checkSignals(pipeline, path: path)
                try checkStages(pipeline, path: m.childPath("processors"))
                self.pipelines.append(pipeline)
            } catch {
                errors.append(error)
            }
        }
        try pipelines.finish()
        errors += checkConnectors()
        errors += checkJoins()
    }

    /// Connectors join pipelines: one that ends in a connector has no other exporter and no stage
    /// that holds data (it passes each request on as it comes); every pipeline a connector hands to
    /// lists it as a receiver and does not itself end in a connector (no chains, no cycles).
    private func checkConnectors() -> [ConfigError] {
        var errors: [ConfigError] = []
        let byID = Dictionary(uniqueKeysWithValues: pipelines.map { ($0.id, $0) })
        for p in pipelines {
            let path = "service.pipelines.\(p.id)"
            let ends = p.exporters.filter { connectors[$0] != nil }
            guard !ends.isEmpty else { continue }
            if p.exporters.count > 1 {
                errors.append(ConfigError(path + ".exporters", "a pipeline that ends in a connector (\(ends[0])) has no other exporter"))
            }
            if let held = p.processors.first(where: { processors[$0].map { $0.stage != .inPlace && $0.stage != .admission } ?? false }) {
                errors.append(ConfigError(path + ".processors", "\(held) holds data; a pipeline that ends in a connector passes each request on as it comes"))
            }
            if p.receivers.contains(where: { connectors[$0] != nil }) {
                errors.append(ConfigError(path + ".receivers", "a pipeline fed by a connector cannot end in one"))
            }
        }
        for (id, c) in connectors.sortedByID {
            let path = "connectors.\(id)"
            if !pipelines.contains(where: { $0.exporters.contains(id) }) {
                errors.append(ConfigError(path, "no pipeline ends in it (list it among a pipeline's exporters)"))
            }
            for target in c.factory.targets(c.config) {
                guard let p = byID[target] else {
                    errors.append(ConfigError(path, "hands to \(target), which is not defined under service.pipelines"))
                    continue
                }
                if !p.receivers.contains(id) { errors.append(ConfigError(path, "hands to \(target), which does not list \(id) among its receivers")) }
            }
        }
        return errors
    }

    /// Every processor and exporter of a pipeline handles its signal; connectors join traces pipelines.
    private func checkSignals(_ p: Pipeline, path: String) throws(ConfigError) {
        for (i, id) in p.processors.enumerated() {
            guard let f = processors[id]?.factory, !f.signals.contains(p.signal) else { continue }
            throw ConfigError(
                "\(path).processors[\(i)]", "\(id) (\(f.type)) does not handle \(p.signal.rawValue); it takes \(Self.names(f.signals))")
        }
        for (i, id) in p.exporters.enumerated() {
            if connectors[id] != nil, p.signal != .traces {
                throw ConfigError("\(path).exporters[\(i)]", "connector \(id) joins traces pipelines only")
            }
            guard let f = exporters[id]?.factory, !f.signals.contains(p.signal) else { continue }
            throw ConfigError(
                "\(path).exporters[\(i)]", "\(id) (\(f.type)) does not take \(p.signal.rawValue); it takes \(Self.names(f.signals))")
        }
        if p.signal != .traces, let c = p.receivers.first(where: { connectors[$0] != nil }) {
            throw ConfigError("\(path).receivers", "connector \(c) joins traces pipelines only")
        }
    }

    static func names(_ signals: Set<Signal>) -> String { signals.sorted().map(\.rawValue).joined(separator: " and ") }

    /// A log join joins two signals: each one used is listed in a traces pipeline (its spans wait)
    /// and a logs pipeline (its records come), or one side would wait for nothing.
    private func checkJoins() -> [ConfigError] {
        var errors: [ConfigError] = []
        for (id, c) in processors.sortedByID where c.stage == .joining {
            let signals = Set(pipelines.filter { $0.processors.contains(id) }.map(\.signal))
            guard !signals.isEmpty else { continue }
            for needed in [Signal.traces, .logs] where !signals.contains(needed) {
                errors.append(
                    ConfigError(
                        "processors.\(id)",
                        "is listed in no \(needed.rawValue) pipeline: list it in a traces pipeline and a logs pipeline, which then share it"))
            }
        }
        return errors
    }

    /// The stages a pipeline's processors form: at most one batching and one per-trace stage, the
    /// per-trace one first (a batch cannot be taken apart into traces again).
    private func checkStages(_ p: Pipeline, path: String) throws(ConfigError) {
        let stages = p.processors.map { ($0, processors[$0]?.stage) }
        let batching = stages.filter { $0.1 == .batching }.map(\.0)
        let grouping = stages.filter { $0.1 == .grouping }.map(\.0)
        if batching.count > 1 { throw ConfigError(path, "lists \(batching.map(\.description).joined(separator: " and ")): one batching stage per pipeline") }
        if grouping.count > 1 { throw ConfigError(path, "lists \(grouping.map(\.description).joined(separator: " and ")): one per-trace buffer per pipeline") }
        let sampling = stages.filter { $0.1 == .sampling || $0.1 == .perTrace }.map(\.0)
        let joining = stages.filter { $0.1 == .joining }.map(\.0)
        func position(_ id: ComponentID) -> Int { p.processors.firstIndex(of: id)! }
        if joining.count > 1 { throw ConfigError(path, "lists \(joining.map(\.description).joined(separator: " and ")): one log join per pipeline") }
        if let j = joining.first, let later = (grouping + batching).first(where: { position($0) < position(j) }) {
            throw ConfigError(path, "\(j) must come before \(later): it holds requests, not traces or batches")
        }
        for s in sampling {
            guard let g = grouping.first, position(g) < position(s) else {
                throw ConfigError(path, "\(s) works on whole traces: put a groupbytrace processor before it")
            }
            if let b = batching.first, position(b) < position(s) {
                throw ConfigError(path, "\(s) must come before \(b): it works on whole traces, not batches")
            }
        }
        guard let g = grouping.first else { return }
        if let b = batching.first, position(b) < position(g) {
            throw ConfigError(path, "\(g) must come before \(b): batches are made of whole traces, not taken apart into them")
        }
    }

    /// A list of component ids that must all be defined in their section.
    private func references(
        _ m: inout ConfigMap, _ key: String, required: Bool,
        _ errors: inout [ConfigError], orConnector: Bool = false
    ) throws(ConfigError) -> [ComponentID] {
        let defined = (declared[key] ?? []).union(orConnector ? declared["connectors"] ?? [] : [])
        let names = try m.strings(key)
        if required && names.isEmpty { throw ConfigError(m.childPath(key), "needs at least one") }
        var ids: [ComponentID] = []
        for (i, name) in names.enumerated() {
            let path = "\(m.childPath(key))[\(i)]"
            let id = try ComponentID(parsing: name, path: path)
            if !defined.contains(id) {
                errors.append(ConfigError(path, "'\(name)' is not defined under \(key)"))
            }
            ids.append(id)
        }
        return ids
    }
}
