import CollectorCore
import ExporterHelper
import Exporters
import Foundation
import GenAIMapping
import OTLP
import TestSupport
import Processors
import SwiftProtobuf

/// `--redaction CORPUS`: the default detector set over a labelled corpus from
/// `scripts/redaction-corpus.py`, on one core: MB/s through the attribute path (scan, replace,
/// JSON-aware), recall per detector, and false positives per clean kind.
enum RedactionBench {
    static func load(_ path: String) throws -> [RedactionScore.Sample] {
        try RedactionScore.samples(jsonLines: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    static func run(corpus: String, seconds: Double) throws {
        let samples = try load(corpus)
        let bytes = samples.reduce(0) { $0 + $1.text.count }
        let processor = RedactionProcessor(config: .init())
        // Speed: whole passes over the corpus until `seconds` have passed; the best pass counts.
        var best = Double.infinity
        var changed = 0
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            changed = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for s in samples where processor.redact(text: s.text) != nil { changed += 1 }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        } while Date() < deadline
        // The same e-mail finding as a regular expression (Swift Regex, the custom-pattern path), so
        // the choice of hand-written scanners stays measured.
        var regexMap = try ConfigMap(
            .mapping([
                ConfigEntry("default_action", .scalar("off", quoted: false)),
                ConfigEntry(
                    "custom",
                    .sequence([
                        .mapping([
                            ConfigEntry("name", .scalar("email_regex", quoted: false)),
                            ConfigEntry("pattern", .scalar("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}", quoted: true)),
                        ])
                    ])),
            ]), path: "bench")
        let regexOnly = RedactionProcessor(config: try RedactionProcessor.Config(&regexMap))
        let sample = samples.prefix(max(1, samples.count / 8))
        let sampleBytes = sample.reduce(0) { $0 + $1.text.count }
        let regexStart = DispatchTime.now().uptimeNanoseconds
        for s in sample { _ = regexOnly.redact(text: s.text) }
        let regexSeconds = Double(DispatchTime.now().uptimeNanoseconds - regexStart) / 1e9
        var score = RedactionScore()
        var scratch: [ScanMatch] = []
        for s in samples { score.add(s, scratch: &scratch) }
        print(
            String(
                format: "genai-collector redaction: %.1f MB/s on one core (%d texts, %.1f MB, %d changed)",
                Double(bytes) / best / 1e6, samples.count, Double(bytes) / 1e6, changed))
        print(
            String(
                format: "  for comparison, one e-mail regular expression as a custom pattern (Swift Regex): %.1f MB/s", Double(sampleBytes) / regexSeconds / 1e6
            ))
        for (name, r) in score.recall.sorted(by: { $0.key < $1.key }) {
            print(String(format: "  recall %-16@ %6.2f%%  (%d/%d)", name as NSString, 100 * Double(r.found) / Double(max(1, r.total)), r.found, r.total))
        }
        for (kind, f) in score.falsePositives.sorted(by: { $0.key < $1.key }) {
            print(
                String(
                    format: "  false positives %-8@ %5.2f%%  (%d/%d texts)", kind as NSString, 100 * Double(f.hits) / Double(max(1, f.total)), f.hits, f.total))
        }
        for e in score.examples { print("  e.g. \(e)") }
    }

    /// `--disguised CORPUS` (from `redaction-corpus.py disguised`): per kind of disguise, the share of
    /// samples whose disguised value is gone after the processor's own path.
    static func disguised(corpus: String) throws {
        let processor = RedactionProcessor(config: .init())
        var perKind: [String: (found: Int, total: Int)] = [:]
        for s in try load(corpus) {
            guard let (_, value) = s.expect.first else { continue }
            let out = processor.redact(text: s.text) ?? s.text
            perKind[s.kind, default: (0, 0)].total += 1
            if RedactionScore.find(value, in: out) == nil { perKind[s.kind]!.found += 1 }
        }
        for (kind, r) in perKind.sorted(by: { $0.key < $1.key }) {
            print(String(format: "  removed %-34@ %6.2f%%  (%d/%d)", kind as NSString, 100 * Double(r.found) / Double(max(1, r.total)), r.found, r.total))
        }
    }
}

/// `--processors`: the cost and redaction processors on a decoded LLM-shaped request (the load
/// benchmark's span shape), one core: spans/s for each, against decode + translate on the same batch.
enum ProcessorBench {
    static func run(spans: Int, seconds: Double) throws {
        let bytes: [UInt8] = try SampleRequests.llmShaped(spans: spans).serializedBytes()
        let batch = try OTLPProtobufDecoder().decode(bytes)
        func measure(_ label: String, _ body: () throws -> Void) rethrows {
            var best = Double.infinity
            let deadline = Date().addingTimeInterval(seconds)
            repeat {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            } while Date() < deadline
            print(
                label.padding(toLength: 32, withPad: " ", startingAt: 0)
                    + String(format: "%9.0f spans/s  %7.1f MB/s of request", Double(spans) / best, Double(bytes.count) / best / 1e6))
        }
        print("request: \(spans) LLM-shaped spans, \(bytes.count) bytes")
        try measure("decode + translate") { _ = GenAITranslator().translate(try OTLPProtobufDecoder().decode(bytes)) }
        let cost = CostInferenceProcessor(config: .init())
        measure("cost_inference") {
            var b = batch
            _ = cost.process(&b)
        }
        let redaction = RedactionProcessor(config: .init())
        measure("redaction (default detectors)") {
            var b = batch
            _ = redaction.process(&b)
        }
        // ClickHouse rows (observations + merged traces) from translated records: one row per span.
        let records = GenAITranslator().translate(batch)
        let rows = ClickHouseRowEncoder(projectID: "bench", eventTimeMillis: 1_700_000_000_000)
        var rowBytes = 0
        measure("ClickHouse v3 rows") {
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count * 2)
            rows.observations(records, into: &out)
            rows.traces([records], into: &out)
            rowBytes = out.count
        }
        print("  (rows are \(rowBytes / max(1, spans)) bytes a span as JSONEachRow)")
        var eventBytes = 0
        measure("ClickHouse v4 events_full rows") {
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count * 2)
            rows.events([records], into: &out)
            eventBytes = out.count
        }
        print("  (events_full rows are \(eventBytes / max(1, spans)) bytes a span)")
        // S3 object content: what one batch adds to an object (encoding, then the gzip members or
        // zstd frames), for each compression at the default level 3 and gzip at 1 as well.
        let item = ExportItem(batch: batch, records: records)
        for format in ["langfuse", "otlp_json", "otlp_proto"] {
            for (compression, level) in [("none", 3), ("gzip", 1), ("gzip", 3), ("zstd", 1), ("zstd", 3)] {
                let config = try S3Bench.config(format: format, compression: compression, level: level)
                var produced = 0
                let start = DispatchTime.now().uptimeNanoseconds
                var rounds = 0
                repeat {
                    produced = S3Bench.objectBytes(config, item)
                    rounds += 1
                } while Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < seconds
                let t = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(rounds)
                print(
                    "S3 object \(format)\(compression == "none" ? "" : " + \(compression) \(level)")".padding(toLength: 32, withPad: " ", startingAt: 0)
                        + String(
                            format: "%9.0f spans/s  %7.1f MB/s of object content (%d bytes a span stored)", Double(spans) / t,
                            Double(S3Bench.rawBytes(config, item)) / t / 1e6, produced / max(1, spans)))
            }
        }
    }
}

/// S3 object building as the exporter does it, without the upload.
enum S3Bench {
    static func config(format: String, compression: String, level: Int) throws -> S3Exporter.Config {
        let entries = [
            ("bucket", "bench"), ("access_key_id", "k"), ("secret_access_key", "s"), ("format", format),
            ("compression", compression), ("compression_level", "\(level)"),
        ].map { ConfigEntry($0.0, .scalar($0.1, quoted: true)) }
        var map = try ConfigMap(.mapping(entries), path: "exporters.s3")
        return try S3Exporter.Config(&map)
    }

    static func rawBytes(_ config: S3Exporter.Config, _ item: ExportItem) -> Int {
        S3ObjectEncoder(config: config).chunks(item, nowNanos: 1_700_000_000_000_000_000).reduce(0) { $0 + $1.bytes.count }
    }

    /// The stored size of the batch's content (gzip members or zstd frames of at most 1 MiB, as the
    /// exporter stages them); -1 if compressing failed.
    static func objectBytes(_ config: S3Exporter.Config, _ item: ExportItem) -> Int {
        var stored = 0
        for chunk in S3ObjectEncoder(config: config).chunks(item, nowNanos: 1_700_000_000_000_000_000) {
            guard config.compression != .none else { stored += chunk.bytes.count; continue }
            var offset = 0
            while offset < chunk.bytes.count {
                let end = min(offset + (1 << 20), chunk.bytes.count)
                let part = Array(chunk.bytes[offset..<end])
                do {
                    stored +=
                        config.compression == .zstd
                        ? try Zstd.compress(part, level: config.compressionLevel).count
                        : try Gzip.compress(part, level: Int32(config.compressionLevel)).count
                } catch {
                    print("compressing failed: \(error)")
                    return -1
                }
                offset = end
            }
        }
        return stored
    }
}
