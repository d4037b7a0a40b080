import CollectorCore
@testable import ExporterHelper
import CollectorRuntime
import ComponentModel
import Processors
import Receivers
import Foundation
import Testing

/// Every registered factory, the same checks: its example config decodes; an unknown key is
/// refused with its full path; a collector with it in a pipeline starts, becomes ready, and stops
/// cleanly; and `validate` lists it. A component added to the registry is covered without a line here.
@Suite(.timeLimit(.minutes(5)))
struct ComponentConformanceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let kind: ComponentKind
        let type: String
        let example: String
        var testDescription: String { "\(kind.section).\(type)" }
    }

    static let cases = ComponentRegistry.all.map { Case(kind: $0.kind, type: $0.type, example: $0.example) }

    /// A whole config with the component under test in use: listeners on port 0, files in `dir`.
    static func yaml(_ c: Case, dir: String, extraKey: Bool = false) -> String {
        var example = c.example
            .replacingOccurrences(of: "localhost:4318", with: "127.0.0.1:0")
            .replacingOccurrences(of: "localhost:4317", with: "127.0.0.1:0")
            .replacingOccurrences(of: "localhost:13133", with: "127.0.0.1:0")
            .replacingOccurrences(of: "./data", with: dir)
        if extraKey { example = example == "{}" ? "{not_a_key: 1}" : String(example.dropLast()) + ", not_a_key: 1}" }
        let receiver = "otlp: {protocols: {http: {endpoint: \"127.0.0.1:0\"}}}"
        var sections: [ComponentKind: String] = [.receiver: receiver, .exporter: "debug: {}"]
        var pipeline = (receivers: "otlp", processors: "", exporters: "debug")
        var extensions = ""
        var feeder = ""
        switch c.kind {
        case .receiver:
            sections[.receiver] = "\(c.type): \(example)"
            pipeline.receivers = c.type
        case .processor:
            sections[.processor] = "\(c.type): \(example)"
            pipeline.processors = c.type
            // A trace-level stage needs whole traces: the per-trace buffer goes before it.
            let stage = ComponentRegistry.processors.first(where: { $0.type == c.type })?.stage
            if stage == .sampling || stage == .perTrace {
                sections[.processor]! += "\n  groupbytrace: {}"
                pipeline.processors = "groupbytrace, " + c.type
            }
            // A log join joins two signals: a logs pipeline lists it too.
            if ComponentRegistry.processors.first(where: { $0.type == c.type })?.stage == .joining {
                feeder = "logs: {receivers: [otlp], processors: [\(c.type)], exporters: [debug]}, "
            }
        case .exporter:
            sections[.exporter] = "\(c.type): \(example)"
            pipeline.exporters = c.type
        case .connector:
            // The connector ends a pipeline fed by the receiver and feeds `traces`, the one its example names.
            sections[.connector] = "\(c.type): \(example)"
            pipeline.receivers = c.type
        case .extension:
            sections[.extension] = "\(c.type): \(example)"
            extensions = "extensions: [\(c.type)], "
        }
        if c.kind == .connector { feeder = "traces/in: {receivers: [otlp], exporters: [\(c.type)]}, " }
        var text = ""
        for kind in ComponentKind.allCases {
            if let body = sections[kind] { text += "\(kind.section):\n  \(body)\n" }
        }
        text +=
            "service: {\(extensions)telemetry: {metrics: {address: \"127.0.0.1:0\"}}, pipelines: {\(feeder)traces: {receivers: [\(pipeline.receivers)], processors: [\(pipeline.processors)], exporters: [\(pipeline.exporters)]}}}\n"
        return text
    }

    @Test func typesAreUniqueAndExamplesAreFlowMaps() {
        for c in Self.cases { #expect(c.example.hasPrefix("{") && c.example.hasSuffix("}"), "\(c.testDescription): \(c.example)") }
        for kind in ComponentKind.allCases {
            let types = ComponentRegistry.all.filter { $0.kind == kind }.map(\.type)
            #expect(Set(types).count == types.count, "\(kind.section): \(types)")
        }
        for kind in ComponentKind.allCases { #expect(Self.cases.contains { $0.kind == kind }, "no \(kind.section) registered") }
    }

    @Test(arguments: cases) func theExampleDecodes(_ c: Case) throws {
        let config = try CollectorConfig(try ConfigLoader().load(["yaml:" + Self.yaml(c, dir: "/tmp/unused")]))
        let summary = config.summary.joined(separator: "\n")
        #expect(summary.contains("  \(c.kind.section): ") && summary.contains(c.type), "validate lists it:\n\(summary)")
    }

    @Test(arguments: cases) func anUnknownKeyIsRefusedWithItsPath(_ c: Case) throws {
        let yaml = Self.yaml(c, dir: "/tmp/unused", extraKey: true)
        do {
            _ = try CollectorConfig(try ConfigLoader().load(["yaml:" + yaml]))
            Issue.record("accepted an unknown key:\n\(yaml)")
        } catch let errors as ConfigErrors {
            let text = "\(errors)"
            #expect(text.contains("\(c.kind.section).\(c.type).not_a_key"), "\(text)")
        }
    }

    @Test(arguments: cases) func aCollectorWithItStartsAndStopsCleanly(_ c: Case) async throws {
        let dir = NSTemporaryDirectory() + "genai-conformance-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var ran = false
        try await CollectorHarness.with([Self.yaml(c, dir: dir)]) { running in
            #expect(running[0].app.readiness.isReady)
            #expect(running[0].port("otlp/http") > 0 || c.kind == .receiver)
            ran = true
        }
        #expect(ran, "the collector became ready")
    }
}
