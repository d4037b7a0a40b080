import CollectorCore
@testable import ExporterHelper
@testable import Exporters
import Foundation
import OTLP
import TestSupport
import Testing
import NIOHTTP1

/// The collector process's OTLP/HTTP receiver fed random and mutated protobuf, JSON and gzip bodies
/// over real connections: every answer is 200 (the body still decoded) or 400 (it did not), never a
/// crash or a hang; the receiver takes a valid request afterwards, and the process's peak memory
/// stays bounded. Seeded, so a failure replays.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ReceiverFuzzTests {
    static func mutate(_ input: [UInt8], _ rng: inout SampleRNG) -> [UInt8] {
        var b = input
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            guard !b.isEmpty else { break }
            let at = Int(rng.next() % UInt64(b.count))
            switch rng.next() % 5 {
            case 0: b[at] ^= UInt8(1 << (rng.next() % 8))
            case 1: b = Array(b.prefix(at))
            case 2: b.insert(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], at: at)
            case 3: b.remove(at: at)
            default: b[at] = UInt8(truncatingIfNeeded: rng.next())
            }
        }
        return b
    }

    @Test(arguments: [11, 12] as [UInt64])
    func mutatedBodiesGet400AndNothingBreaks(_ seed: UInt64) async throws {
        let dir = NSTemporaryDirectory() + "genai-fuzz-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            processors: {batch: {timeout: 100ms}, memory_limiter: {limit_mib: 256}}
            exporters: {file/out: {directory: "\(dir)"}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [memory_limiter, batch], exporters: [file/out]}}
            """
        let protobuf = try FixtureFiles.bytes("openinference_openai_3chats.otlp.pb")
        let json = try FixtureFiles.bytes("openinference_openai_3chats.otlp.json")
        let collector = try await CollectorProcess(yaml: yaml, servers: ["otlp/http", "metrics"])
        defer { collector.stop() }
        let (port, metrics) = (collector.port("otlp/http"), collector.port("metrics"))
        do {
            let url = "http://127.0.0.1:\(port)/v1/traces"
            let http = try HTTPTransport(tls: nil)
            var rng = SampleRNG(seed: seed)
            var statuses: [UInt: Int] = [:]
            for i in 0..<300 {
                let kind = i % 5
                var body: [UInt8]
                var headers = [("Content-Type", kind == 1 || kind == 3 ? "application/json" : "application/x-protobuf")]
                switch kind {
                case 0: body = Self.mutate(protobuf, &rng)
                case 1: body = Self.mutate(json, &rng)
                case 2: body = (0..<Int(rng.next() % 2048)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                case 3: body = Self.mutate(try Gzip.compress(json), &rng); headers.append(("Content-Encoding", "gzip"))
                default: body = try Gzip.compress(Self.mutate(protobuf, &rng)); headers.append(("Content-Encoding", "gzip"))
                }
                let r = try await http.send(.POST, url, headers: headers, body: body, timeout: .seconds(10))
                statuses[r.status, default: 0] += 1
                #expect(r.status == 200 || r.status == 400, "case \(i) (kind \(kind)): \(r.status) \(r.text.prefix(200))")
                if r.status == 400 { #expect(!r.body.isEmpty, "a 400 says why") }
            }
            #expect((statuses[400] ?? 0) > 150, "\(statuses)")
            // Still serving, and nothing held in memory: the limiter's budget is whole again.
            let ok = try await http.send(.POST, url, headers: [("Content-Type", "application/x-protobuf")], body: protobuf, timeout: .seconds(10))
            #expect(ok.status == 200)
            await http.shutdown()
        }
        #expect(collector.process.isRunning)
        // Peak resident memory: no body, however mangled, makes the process hold much.
        let status = (try? String(contentsOfFile: "/proc/\(collector.process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let peakKB = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        #expect(peakKB > 0 && peakKB < 200 * 1024, "peak RSS \(peakKB) kB")
    }

    /// The same over OTLP/gRPC with grpcio (plain and gzip messages): OK or INVALID_ARGUMENT only.
    @Test func mutatedGRPCMessagesGetInvalidArgument() async throws {
        let dir = NSTemporaryDirectory() + "genai-fuzz-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = """
            receivers: {otlp: {protocols: {grpc: {endpoint: "127.0.0.1:0"}}}}
            processors: {batch: {timeout: 100ms}}
            exporters: {file/out: {directory: "\(dir)"}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [batch], exporters: [file/out]}}
            """
        let collector = try await CollectorProcess(yaml: yaml, servers: ["otlp/grpc", "metrics"])
        defer { collector.stop() }
        let (grpc, metrics) = (collector.port("otlp/grpc"), collector.port("metrics"))
        let fixture = Scripts.here.deletingLastPathComponent().appendingPathComponent("Fixtures/openinference_openai_3chats.otlp.pb").path
        let (status, out) = try await offPool { try Scripts.python("grpc_fuzz.py", ["127.0.0.1:\(grpc)", fixture, "21", "300"]) }
        #expect(status == 0, "\(out)")
        struct Result: Decodable { let codes: [String: Int]; let after: String }
        let result = try JSONDecoder().decode(Result.self, from: Data(out.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8))
        #expect(Set(result.codes.keys).isSubset(of: ["OK", "INVALID_ARGUMENT"]), "\(result.codes)")
        #expect((result.codes["INVALID_ARGUMENT"] ?? 0) > 100 && result.after == "OK", "\(result)")
        #expect(collector.process.isRunning)
    }
}
