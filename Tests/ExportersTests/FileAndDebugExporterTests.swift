import CollectorCore
@testable import ExporterHelper
import ComponentModel
@testable import Exporters
import Foundation
import GenAIMapping
import OTLP
import Synchronization
import TestSupport
import Testing

/// The file exporter's formats and rotation, and the debug exporter's line, on translated captures.
@Suite(.timeLimit(.minutes(5)))
struct FileAndDebugExporterTests {
    static func fileConfig(_ dir: String, format: String, maxBytes: Int) throws -> FileExporter.Config {
        var map = try ConfigMap(
            .mapping([
                ConfigEntry("directory", .scalar(dir, quoted: true)),
                ConfigEntry("format", .scalar(format, quoted: false)),
                ConfigEntry("max_file_size_bytes", .scalar(String(maxBytes), quoted: false)),
            ]), path: "exporters.file")
        let c = try FileExporter.Config(&map)
        try map.finish()
        return c
    }

    static func files(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".jsonl") }.sorted().map { dir + "/" + $0 }
    }

    /// `otlp_json`: one OTLP/JSON request a line, which our decoder reads back to the same spans; a
    /// small `max_file_size_bytes` starts a new file before a batch would pass it (a batch is never
    /// split); files are the owner's only.
    @Test func otlpJSONLinesRotateBySize() async throws {
        let dir = NSTemporaryDirectory() + "genai-file-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let item = try ClickHouseExporterTests.item()
        let e = FileExporter(config: try Self.fileConfig(dir, format: "otlp_json", maxBytes: 4096), settings: .standalone("file", .exporter))
        for _ in 0..<3 { try await e.export(item) }
        await e.shutdown()
        let files = try Self.files(dir)
        #expect(files.count == 3, "a batch is larger than 4096 bytes, so each starts a file: \(files)")
        var spans = 0, lines = 0
        for f in files {
            let mode = try FileManager.default.attributesOfItem(atPath: f)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(f): \(String(mode ?? 0, radix: 8))")
            for line in try String(contentsOfFile: f, encoding: .utf8).split(separator: "\n") {
                spans += try OTLPJSONDecoder().decode(Array(line.utf8)).spans.count
                lines += 1
            }
        }
        #expect(lines == 3 * item.parts.count)
        #expect(spans == 3 * item.spanCount)
    }

    /// `langfuse`: one ingestion event a line, every trace and observation once.
    @Test func langfuseEventLines() async throws {
        let dir = NSTemporaryDirectory() + "genai-file-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let item = try ClickHouseExporterTests.item()
        let e = FileExporter(config: try Self.fileConfig(dir, format: "langfuse", maxBytes: 100 << 20), settings: .standalone("file", .exporter))
        try await e.export(item)
        await e.shutdown()
        let files = try Self.files(dir)
        #expect(files.count == 1)
        let events = try String(contentsOfFile: files[0], encoding: .utf8).split(separator: "\n").map { try JSONParser().parse(String($0)) }
        let records = item.records!
        #expect(events.count == records.reduce(0) { $0 + $1.traces.count + $1.observations.count + $1.scores.count })
        #expect(
            events.filter { $0["type"]?.stringValue != "trace-create" && $0["type"]?.stringValue != "score-create" }.count
                == records.reduce(0) { $0 + $1.observations.count })
        #expect(events.filter { $0["type"]?.stringValue == "score-create" }.count == 3, "the evaluation fixture's three scores")
        #expect(events.allSatisfy { $0["id"]?.stringValue != nil && $0["body"] != nil })
    }

    /// `normal` adds a line per observation; `detailed` every ingestion event as a JSON line.
    @Test(arguments: ["normal", "detailed"])
    func verbosityAddsObservationsOrEvents(_ verbosity: String) async throws {
        let item = try ClickHouseExporterTests.item()
        let lines = Mutex<[String]>([])
        var map = try ConfigMap(.mapping([ConfigEntry("verbosity", .scalar(verbosity, quoted: false))]), path: "exporters.debug")
        let e = DebugExporter(config: try DebugExporter.Config(&map), settings: .standalone("debug", .exporter)) { line in lines.withLock { $0.append(line) } }
        try await e.export(item)
        let printed = lines.withLock { $0 }
        let records = item.records!
        #expect(printed.first?.hasPrefix("debug: \(item.spanCount) spans") == true)
        if verbosity == "normal" {
            let observations = records.flatMap(\.observations)
            #expect(printed.count == 1 + observations.count)
            for (line, o) in zip(printed.dropFirst(), observations) {
                #expect(line.contains("\"\(o.name)\"") && line.contains("span=\(o.id)"), "\(line)")
            }
        } else {
            let events = records.reduce(0) { $0 + $1.traces.count + $1.observations.count + $1.scores.count }
            #expect(printed.count == 1 + events)
            #expect(try printed.dropFirst().allSatisfy { try JSONParser().parse($0)["type"]?.stringValue?.hasSuffix("-create") == true })
        }
    }

    /// One line a batch: spans, traces, observations by type, tokens and models, as computed here.
    @Test func debugPrintsOneSummaryLineABatch() async throws {
        let item = try ClickHouseExporterTests.item()
        let lines = Mutex<[String]>([])
        var map = try ConfigMap(.mapping([]), path: "exporters.debug")
        let e = DebugExporter(config: try DebugExporter.Config(&map), settings: .standalone("debug", .exporter)) { line in lines.withLock { $0.append(line) } }
        try await e.export(item)
        let printed = lines.withLock { $0 }
        #expect(printed.count == 1)
        let observations = item.records!.flatMap(\.observations)
        let traces = Set(observations.map(\.traceID)).count
        let input = observations.reduce(Int64(0)) { $0 + ($1.usageDetails?["input"] ?? 0) }
        let output = observations.reduce(Int64(0)) { $0 + ($1.usageDetails?["output"] ?? 0) }
        let line = try #require(printed.first)
        #expect(line.hasPrefix("debug: \(item.spanCount) spans, \(traces) traces ["), "\(line)")
        #expect(line.contains("tokens in=\(input) out=\(output)"), "\(line)")
        let generations = observations.filter { $0.type == .generation }.count
        #expect(line.contains("generation=\(generations)"), "\(line)")
        for model in Set(observations.compactMap(\.model)) { #expect(line.contains(model), "\(model) in \(line)") }
    }
}

/// Logs and metrics through the file and debug exporters.
@Suite(.timeLimit(.minutes(5)))
struct SignalExporterTests {
    static let logs = """
        {"resourceLogs":[{"scopeLogs":[{"scope":{"name":"app"},"logRecords":[
         {"timeUnixNano":"5","severityNumber":9,"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161718","eventName":"gen_ai.user.message",
          "body":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"hi"}}]}}},
         {"body":{"stringValue":"plain"}}]}]}]}
        """
    static let metrics = """
        {"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"gen_ai.client.token.usage","histogram":{"aggregationTemporality":2,
         "dataPoints":[{"count":"2","sum":30,"bucketCounts":["1","1"],"explicitBounds":[16]},{"count":"1","sum":4,"bucketCounts":["1","0"],"explicitBounds":[16]}]}}]}]}]}
        """

    @Test func debugCountsLogRecordsAndPrintsEachWithNormal() async throws {
        let batch = try OTLPJSONDecoder().decode(Array(Self.logs.utf8), signal: .logs)
        let lines = Mutex<[String]>([])
        var map = try ConfigMap(.mapping([ConfigEntry("verbosity", .scalar("normal", quoted: false))]), path: "exporters.debug")
        let e = DebugExporter(config: try DebugExporter.Config(&map), settings: .standalone("debug", .exporter)) { line in lines.withLock { $0.append(line) } }
        try await e.export(ExportItem(batch: batch, records: nil))
        let printed = lines.withLock { $0 }
        #expect(printed.count == 3)
        #expect(printed.first == "debug: 2 log records")
        #expect(
            printed[1].contains("\"gen_ai.user.message\"") && printed[1].contains("span=1112131415161718") && printed[1].contains(#"body={"content":"hi"}"#))
        #expect(printed[2] == #"  log body="plain""#)
    }

    /// Each signal to files of its own, as OTLP/JSON whatever the format (only traces have Langfuse events).
    @Test func fileWritesEachSignalToItsOwnFiles() async throws {
        let dir = NSTemporaryDirectory() + "genai-signals-\(UUID().uuidString)"
        defer { removeTestFiles(dir) }
        let e = FileExporter(
            config: try FileAndDebugExporterTests.fileConfig(dir, format: "langfuse", maxBytes: 1 << 20), settings: .standalone("file", .exporter))
        let logs = try OTLPJSONDecoder().decode(Array(Self.logs.utf8), signal: .logs)
        let metrics = try OTLPJSONDecoder().decode(Array(Self.metrics.utf8), signal: .metrics)
        #expect(metrics.metricPoints == 2)
        try await e.export(ExportItem(batch: logs, records: nil))
        try await e.export(ExportItem(batch: metrics, records: nil))
        await e.shutdown()
        let names = try FileAndDebugExporterTests.files(dir).map { ($0 as NSString).lastPathComponent }
        #expect(names.count == 2 && names[0].hasPrefix("logs-") && names[1].hasPrefix("metrics-"), "\(names)")
        let paths = try FileAndDebugExporterTests.files(dir)
        let logLine = try String(contentsOfFile: paths[0], encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(try OTLPJSONDecoder().decode(Array(logLine.utf8), signal: .logs).logRecords.count == 2)
        let metricLine = try String(contentsOfFile: paths[1], encoding: .utf8).trimmingCharacters(in: .newlines)
        let back = try OTLPJSONDecoder().decode(Array(metricLine.utf8), signal: .metrics)
        // The same message (fields may come in another order than the JSON client wrote them).
        #expect(OTLPJSONEncoder().encode(back) == OTLPJSONEncoder().encode(metrics) && back.metricPoints == 2)
        #expect(metricLine.contains(#""name":"gen_ai.client.token.usage""#) && metricLine.contains(#""bucketCounts":["1","1"]"#))
    }
}
