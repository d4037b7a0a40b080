import CollectorCore
import Exporters
import Foundation
import GenAIMapping
import OTLP
import OTLPSamples
import SwiftProtobuf

/// `--encoders [--python DIR]`: each JSON encoder on one core, in bytes of output a second, from
/// records translated once beforehand; then, in the same run, Python's orjson writing the same
/// documents (parsed from our own output, so both do the same work), and the ratio.
enum EncoderBench {
    struct Encoder {
        let name: String
        let encode: () -> [UInt8]
    }

    /// Every JSON encoder (and the OTLP protobuf encoder the disk queue uses), on one request of
    /// `spans` LLM-shaped spans decoded and translated once.
    static func encoders(spans: Int) throws -> (bytes: [UInt8], records: LangfuseRecords, all: [Encoder]) {
        let bytes: [UInt8] = try SampleRequests.llmShaped(spans: spans).serializedBytes()
        let batch = try OTLPProtobufDecoder().decode(bytes)
        let records = GenAITranslator().translate(batch)
        let rows = ClickHouseRowEncoder(projectID: "bench", eventTimeMillis: 1_700_000_000_000)
        let capacity = bytes.count * 3
        let all = [
            Encoder(name: "ingestion events") { IngestionBatchEncoder().encodeLines(records) },
            Encoder(name: "ClickHouse v3 rows") {
                var out: [UInt8] = []
                out.reserveCapacity(capacity)
                rows.observations(records, into: &out)
                rows.traces([records], into: &out)
                return out
            },
            Encoder(name: "ClickHouse v4 events rows") {
                var out: [UInt8] = []
                out.reserveCapacity(capacity)
                rows.events([records], into: &out)
                return out
            },
            Encoder(name: "OTLP/JSON") { OTLPJSONEncoder().encode(batch) + [0x0A] },
            Encoder(name: "OTLP protobuf") { OTLPProtobufEncoder().encode(batch) },
        ]
        return (bytes, records, all)
    }

    /// `--only-encode NAME ROUNDS`: one encoder ROUNDS times and nothing else after the set-up, so
    /// that callgrind's counts for two values of ROUNDS differ by the encoder's work alone.
    static func only(_ name: String, rounds: Int, spans: Int) throws {
        let (_, _, all) = try encoders(spans: spans)
        guard let e = all.first(where: { $0.name.hasPrefix(name) }) else {
            print("no encoder named \(name); one of: \(all.map(\.name).joined(separator: ", "))")
            exit(2)
        }
        var n = 0
        for _ in 0..<rounds { n &+= e.encode().count }
        print("encoded \(n)")
    }

    static func run(spans: Int, seconds: Double, python: String?, rounds: Int = 3) throws {
        let (bytes, records, all) = try encoders(spans: spans)
        // The protobuf encoder has no orjson counterpart; `--processors` and alloc-count measure it.
        var encoders = all.filter { $0.name != "OTLP protobuf" }
        // `BENCH_ENCODER=<name prefix>` keeps one encoder, for a profiler.
        if let only = ProcessInfo.processInfo.environment["BENCH_ENCODER"] { encoders = encoders.filter { $0.name.hasPrefix(only) } }
        print("request: \(spans) LLM-shaped spans, \(bytes.count) bytes; \(records.observations.count) observations, \(records.traces.count) traces")
        var files: [String] = []
        for e in encoders {
            let file = NSTemporaryDirectory() + "genai-encoder-bench-\(files.count).jsonl"
            try Data(e.encode()).write(to: URL(fileURLWithPath: file))
            files.append(file)
        }
        defer {
            for f in files {
                do { if ProcessInfo.processInfo.environment["BENCH_KEEP"] == nil { try FileManager.default.removeItem(atPath: f) } } catch {
                    print("could not remove \(f): \(error)")
                }
            }
        }
        // Rounds alternate ours and orjson, so a neighbour's load on this shared machine falls on
        // both sides of each ratio; the median of the rounds is the figure.
        var ratios = Array(repeating: [Double](), count: encoders.count)
        for round in 1...(python == nil ? 1 : rounds) {
            print("")
            var ours: [Double] = []
            for e in encoders {
                var produced = 0
                let t = measure(e.name, seconds: seconds) {
                    let out = e.encode()
                    produced = out.count
                    return out.count
                }
                ours.append(Double(produced) / t)
                print(row("\(e.name) (round \(round))", bytes: produced, seconds: t, spans: spans))
            }
            guard let python else { return }
            let lines = try orjson(python, seconds: seconds, files: files)
            guard lines.count == encoders.count else {
                print("orjson: not run (\(lines))")
                return
            }
            for (k, (t, produced)) in lines.enumerated() {
                print(row("orjson, \(encoders[k].name) (round \(round))", bytes: produced, seconds: t, spans: spans))
                ratios[k].append(ours[k] / (Double(produced) / t))
            }
        }
        print("")
        for (k, r) in ratios.enumerated() where !r.isEmpty {
            let median = r.sorted()[r.count / 2]
            print(
                "ratio genai-collector / orjson, \(encoders[k].name) (bytes/s, one core), per round: "
                    + r.map { String(format: "%.2f", $0) }.joined(separator: " ") + "; median \(String(format: "%.2f", median))  (target >= 1.0)")
        }
    }

    /// Seconds per round and bytes written, per file, from `scripts/orjson_encode.py`.
    static func orjson(_ script: String, seconds: Double, files: [String]) throws -> [(Double, Int)] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, String(seconds)] + files
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count == 3, let t = Double(f[1]), let n = Int(f[2]) else { return nil }
            return (t, n)
        }
    }

    static func row(_ name: String, bytes: Int, seconds t: Double, spans: Int) -> String {
        name.padding(toLength: 46, withPad: " ", startingAt: 0)
            + String(format: "%9.1f MB/s  %10.0f spans/s  %7d bytes", Double(bytes) / t / 1e6, Double(spans) / t, bytes)
    }
}
