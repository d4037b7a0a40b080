import CollectorCore
import ExporterHelper
import Foundation
import GenAIMapping
import OTLP
import OTLPProto
import TestSupport
import SwiftProtobuf

/// Times one operation: runs it until `seconds` have passed, in rounds, and keeps the best
/// round (the least disturbed by other load on a shared machine).
func measure(_ label: String, seconds: Double = 2.0, _ body: () throws -> Int) rethrows -> Double {
    var best = Double.infinity
    let clock = ContinuousClock()
    let deadline = clock.now + .milliseconds(Int(seconds * 1000))
    var sink = 0
    repeat {
        let start = clock.now
        for _ in 0..<5 { sink &+= try body() }
        let elapsed = clock.now - start
        let perCall = elapsed.seconds
        best = min(best, perCall / 5)
    } while clock.now < deadline
    if sink == 42 { print("") }  // keeps the work observable
    return best
}

/// Bytes a decoded batch holds in its tables, beyond the request body it shares.
func tableBytes(_ b: TraceBatch) -> Int {
    b.resources.capacity * MemoryLayout<ResourceEntry>.stride + b.scopes.capacity * MemoryLayout<ScopeEntry>.stride
        + b.spans.capacity * MemoryLayout<Span>.stride + b.attributes.capacity * MemoryLayout<Attribute>.stride
        + b.events.capacity * MemoryLayout<SpanEvent>.stride + b.links.capacity * MemoryLayout<SpanLink>.stride
        + b.nestedAttributes.capacity * MemoryLayout<Attribute>.stride + b.arrayValues.capacity * MemoryLayout<AttributeValue>.stride
}

struct Bench {
    let spans: Int
    let seconds: Double
    let pythonDir: String?

    /// Decode and translation (and optionally encoding), for profilers
    /// (`valgrind --tool=callgrind ... --only-translate N [--encode]`).
    func translateOnly(_ rounds: Int, encode: Bool) throws {
        let bytes: [UInt8] = try SampleRequests.llmShaped(spans: spans).serializedBytes()
        var n = 0
        for _ in 0..<rounds {
            let records = GenAITranslator().translate(try OTLPProtobufDecoder().decode(bytes))
            n &+= encode ? IngestionBatchEncoder().encode(records).count : records.observations.count
        }
        print("translated \(n)")
    }

    /// Decoding alone, for allocation counts.
    func decodeOnly(_ rounds: Int) throws {
        let bytes: [UInt8] = try SampleRequests.llmShaped(spans: spans).serializedBytes()
        var n = 0
        for _ in 0..<rounds { n &+= try OTLPProtobufDecoder().decode(bytes).spans.count }
        print("decoded \(n)")
    }

    func run() throws {
        let request = SampleRequests.llmShaped(spans: spans)
        let bytes: [UInt8] = try request.serializedBytes()
        let data = Data(bytes)
        let mb = Double(bytes.count) / 1e6
        print("request: \(spans) LLM-shaped spans, 20 attributes each, \(bytes.count) bytes (\(bytes.count / spans) B/span)")

        let tProto = try measure("swift-protobuf", seconds: seconds) {
            try ExportRequest(serializedBytes: data).resourceSpans.count
        }
        let tDecode = try measure("decode", seconds: seconds) { try OTLPProtobufDecoder().decode(bytes).spans.count }
        let translator = GenAITranslator()
        let tTranslate = try measure("decode+translate", seconds: seconds) {
            translator.translate(try OTLPProtobufDecoder().decode(bytes)).observations.count
        }
        let batch = try OTLPProtobufDecoder().decode(bytes)
        let records = translator.translate(batch)
        let tEncode = measure("translate+encode", seconds: seconds) {
            IngestionBatchEncoder().encode(translator.translate(batch)).count
        }
        let retained = tableBytes(batch)

        func row(_ name: String, _ t: Double) {
            let line = name.padding(toLength: 34, withPad: " ", startingAt: 0)
            print(
                "\(line) \(String(format: "%9.1f", mb / t)) MB/s  \(String(format: "%11.0f", Double(spans) / t)) spans/s  \(String(format: "%8.3f", t * 1000)) ms/request"
            )
        }
        print("")
        row("swift-protobuf generated decode", tProto)
        row("genai-collector decode", tDecode)
        row("genai-collector decode+translate", tTranslate)
        row("translate+ingestion JSON encode", tEncode)
        print("decoded tables: \(retained) bytes beyond the shared body (\(retained / spans) B/span), 9 arrays; \(records.observations.count) observations")

        if let pythonDir {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("genai-bench-request.pb")
            try data.write(to: url)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "\(pythonDir)/upb_parse.py", url.path, String(seconds)]
            p.environment = ProcessInfo.processInfo.environment.merging(["PYTHONPATH": pythonDir]) { $1 }
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            if let seconds = Double(text.split(separator: " ").first ?? ""), p.terminationStatus == 0 {
                row(
                    "python upb parse (\(text.split(separator: " ").dropFirst().joined(separator: " ").trimmingCharacters(in: .whitespacesAndNewlines)))",
                    seconds)
                print("")
                print("ratio decode / upb:            \(String(format: "%.2f", seconds / tDecode))  (target >= 1.0)")
            } else {
                print("python upb: not run (\(text))")
            }
        }
        print("ratio decode / swift-protobuf: \(String(format: "%.1f", tProto / tDecode))")
        print("decode+translate spans/s:      \(String(format: "%.0f", Double(spans) / tTranslate))  (target >= 200000)")
    }
}

@main
enum BenchMain {
    static func main() async throws {
        var spans = 1000
        var seconds = 2.0
        var pythonDir: String?
        var translateRounds: Int?
        var encode = false
        var decodeRounds: Int?
        var redactionCorpus: String?
        var processors = false
        var clickhouseRounds: Int?
        var keys = false
        var disguised: String?
        var encoders = false
        var onlyEncode: (String, Int)?
        var args = CommandLine.arguments.dropFirst().makeIterator()
        while let a = args.next() {
            switch a {
            case "--spans": spans = Int(args.next() ?? "") ?? spans
            case "--seconds": seconds = Double(args.next() ?? "") ?? seconds
            case "--python": pythonDir = args.next()
            case "--only-translate": translateRounds = Int(args.next() ?? "") ?? 10
            case "--encode": encode = true
            case "--only-decode": decodeRounds = Int(args.next() ?? "") ?? 10
            case "--redaction": redactionCorpus = args.next()
            case "--processors": processors = true
            case "--clickhouse": clickhouseRounds = Int(args.next() ?? "") ?? 10
            case "--keys": keys = true
            case "--disguised": disguised = args.next()
            case "--encoders": encoders = true
            case "--only-encode": onlyEncode = (args.next() ?? "", Int(args.next() ?? "") ?? 10)
            case "--ring":
                RingBench.run()
                return
            case "--groupbytrace":
                try GroupByTraceBench.run(spans: Int(args.next() ?? "") ?? 100_000)
                return
            case "--log-join":
                try LogJoinBench.run(spans: Int(args.next() ?? "") ?? 50_000)
                return
            case "--live-view":
                try LiveViewBench.run(spans: Int(args.next() ?? "") ?? 100_000)
                return
            case "--evaluation":
                try EvaluationBench.run(spans: Int(args.next() ?? "") ?? 100_000, config: args.next() ?? "pipelines/gateway-evaluation.yaml")
                return
            case "--judge":
                let url = args.next() ?? "http://127.0.0.1:8000/v1"
                let jobs = Int(args.next() ?? "") ?? 400
                let concurrency = Int(args.next() ?? "") ?? 4
                let rate = Double(args.next() ?? "") ?? 1000
                try await JudgeBench.run(url: url, jobs: jobs, concurrency: concurrency, rate: rate, delayMS: Double(args.next() ?? "") ?? 100)
                return
            default:
                print(
                    "usage: genai-collector-bench [--spans N] [--seconds S] [--python DIR] [--only-decode ROUNDS] [--only-translate ROUNDS [--encode]] [--redaction CORPUS.jsonl] [--processors] [--clickhouse ROUNDS] [--keys] [--disguised CORPUS.jsonl] [--encoders [--python ORJSON_SCRIPT]] [--only-encode NAME ROUNDS] [--ring] [--groupbytrace SPANS] [--log-join SPANS] [--live-view SPANS] [--evaluation SPANS [CONFIG]] [--judge URL JOBS CONCURRENCY RATE DELAY_MS]"
                )
                return
            }
        }
        if let disguised {
            try RedactionBench.disguised(corpus: disguised)
            return
        }
        if let (name, rounds) = onlyEncode {
            try EncoderBench.only(name, rounds: rounds, spans: spans)
            return
        }
        if encoders {
            try EncoderBench.run(spans: spans, seconds: seconds, python: pythonDir)
            return
        }
        if keys {
            try KeyScalingBench.run(seconds: min(seconds, 1))
            return
        }
        if let clickhouseRounds {
            try await ClickHouseBench.run(spans: spans, rounds: clickhouseRounds)
            return
        }
        if processors {
            try ProcessorBench.run(spans: spans, seconds: seconds)
            return
        }
        if let redactionCorpus {
            try RedactionBench.run(corpus: redactionCorpus, seconds: seconds)
            return
        }
        let bench = Bench(spans: spans, seconds: seconds, pythonDir: pythonDir)
        if let decodeRounds {
            try bench.decodeOnly(decodeRounds)
        } else if let translateRounds {
            try bench.translateOnly(translateRounds, encode: encode)
        } else {
            try bench.run()
        }
    }
}
