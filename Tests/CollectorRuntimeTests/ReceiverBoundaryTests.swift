import CollectorCore
@testable import ExporterHelper
import Foundation
import OTLP
import TestSupport
import Testing

/// The HTTP receiver against hostile clients (`http_attacks.py`, raw sockets) on the collector
/// process: unauthenticated uploads, slow headers, slow bodies, idle and surplus connections, and a
/// half-close. Each limit is shown to bite by a count or a close that happens only because of it.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ReceiverBoundaryTests {
    static let fixture = Scripts.here.deletingLastPathComponent().appendingPathComponent("Fixtures/openinference_openai_3chats.otlp.pb").path

    struct Started {
        let collector: CollectorProcess
        let http: Int
        let metrics: Int
        let dir: String
    }

    static func start(
        http extra: String = "", processors: String = "", pipeline: [String] = ["batch"], exporter: String = "debug", openFiles: Int? = nil
    ) async throws -> Started {
        let dir = NSTemporaryDirectory() + "genai-boundary-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let exporters = exporter == "debug" ? "debug: {}" : "file/out: {directory: \"\(dir)/out\"}"
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"\(extra)}}}}
            processors: {batch: {timeout: 100ms}\(processors)}
            exporters: {\(exporters)}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [\(pipeline.joined(separator: ", "))], exporters: [\(exporter == "debug" ? "debug" : "file/out")]}}
            """
        let collector = try await CollectorProcess(yaml: yaml, servers: ["otlp/http", "metrics"], openFiles: openFiles)
        return Started(collector: collector, http: collector.port("otlp/http"), metrics: collector.port("metrics"), dir: dir)
    }

    static func attack(_ args: [String]) async throws -> JSONValue {
        let (status, out) = try await offPool { try Scripts.python("http_attacks.py", args) }
        guard status == 0, let line = out.split(separator: "\n").last else { throw MetricError(description: "http_attacks.py \(args): \(out)") }
        return try JSONParser().parse(String(line))
    }

    /// Peak resident memory of a process, from /proc (kB).
    static func peakRSSKB(_ p: CollectorProcess) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(p.process.processIdentifier)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
    }

    static func refused(_ s: Started, _ reason: String) async throws -> Double {
        try await CollectorProcess.requireMetric(
            s.metrics, "genai_collector_receiver_refused_requests_total{reason=\"\(reason)\",receiver=\"otlp\",transport=\"http\"}")
    }

    /// 40 connections each post 20 MiB without credentials: all get 401 from the head alone, the
    /// bodies are never buffered, and memory stays where it was.
    @Test func unauthenticatedUploadsAreRefusedBeforeTheirBodies() async throws {
        let tokenFile = NSTemporaryDirectory() + "genai-token-\(UUID().uuidString)"
        try "s3cret-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let s = try await Self.start(http: ", auth: {bearer_tokens: [\"${file:\(tokenFile)}\"]}")
        defer { s.collector.stop() }
        let before = Self.peakRSSKB(s.collector)
        let r = try await Self.attack(["flood", "127.0.0.1", String(s.http), "40", String(20 << 20)])
        #expect(r["statuses"] == .object([JSONMember("401", .int(40))]), "\(r)")
        // The server read at most the drain bound after each answer, not the 20 MiB offered.
        #expect((r["max_sent"]?.numberValue ?? .infinity) < Double(8 << 20), "\(r)")
        #expect(try await Self.refused(s, "unauthenticated") == 40)
        let after = Self.peakRSSKB(s.collector)
        #expect(after - before < 40 * 1024, "peak RSS grew from \(before) kB to \(after) kB")
        #expect(s.collector.process.isRunning)
    }

    /// 300 connections send part of their headers and stop. With a 1 s header timeout all are closed
    /// within 8 s of the last connect (a loaded machine accepts late), and counted; with the default
    /// (10 s) they are all still open 2 s after.
    @Test func slowHeadersAreClosed() async throws {
        let s = try await Self.start(http: ", read_header_timeout: 1s")
        defer { s.collector.stop() }
        let r = try await Self.attack(["slow_headers", "127.0.0.1", String(s.http), "300", "8"])
        #expect(r["closed"] == .int(300), "\(r)")
        #expect(try await Self.refused(s, "read_header_timeout") == 300)
        let d = try await Self.start()
        defer { d.collector.stop() }
        let held = try await Self.attack(["slow_headers", "127.0.0.1", String(d.http), "50", "2"])
        #expect(held["open"] == .int(50), "\(held)")
    }

    @Test func theConnectionCapRefusesAndCounts() async throws {
        let s = try await Self.start(http: ", max_connections: 50")
        defer { s.collector.stop() }
        let r = try await Self.attack(["connections", "127.0.0.1", String(s.http), "60"])
        #expect(r["closed"] == .int(10) && r["open"] == .int(50), "\(r)")
        #expect(try await Self.refused(s, "max_connections") == 10)
        // Health of the rest: a new request is served once connections are freed.
        let ok = try await Self.attack(["half_close", "127.0.0.1", String(s.http), Self.fixture])
        #expect(ok["status"] == .int(200), "\(ok)")
    }

    /// Out of file descriptors: accepting fails, the listener backs off and retries, the failure is
    /// counted, and the process lives on; once descriptors are free, requests are served again.
    @Test(
        .disabled(
            "a known bug: about one run in three the process dies with SIGILL (a trap) while accepts fail with EMFILE; kept as the reproduction until it is fixed"
        ))
    func runningOutOfFileDescriptorsIsSurvivedAndCounted() async throws {
        let s = try await Self.start(openFiles: 96)
        defer { s.collector.stop() }
        let r = try await Self.attack(["connections", "127.0.0.1", String(s.http), "150"])
        // Held in the kernel's backlog, not closed: none is refused outright.
        #expect(r["closed"] == .int(0), "\(r)")
        #expect(s.collector.process.isRunning, "\(s.collector.output)")
        // Proof the fault happened; how many retries failed depends on timing, so at least one.
        #expect(try await Self.refused(s, "accept_failed") >= 1)
        let ok = try await Self.attack(["half_close", "127.0.0.1", String(s.http), Self.fixture])
        #expect(ok["status"] == .int(200), "\(ok)")
        #expect(s.collector.process.isRunning)
    }

    /// The gRPC receiver's cap: connections beyond it are closed before HTTP/2 starts, and counted;
    /// once they are gone, calls are served again.
    @Test func theGRPCConnectionCapRefusesAndCounts() async throws {
        let dir = NSTemporaryDirectory() + "genai-grpc-cap-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = """
            receivers: {otlp: {protocols: {grpc: {endpoint: "127.0.0.1:0", max_connections: 5}}}}
            exporters: {debug: {}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], exporters: [debug]}}
            """
        let collector = try await CollectorProcess(yaml: yaml, servers: ["otlp/grpc", "metrics"])
        defer { collector.stop() }
        let (grpc, metrics) = (collector.port("otlp/grpc"), collector.port("metrics"))
        let r = try await Self.attack(["connections", "127.0.0.1", String(grpc), "8"])
        #expect(r["closed"] == .int(3) && r["open"] == .int(5), "\(r)")
        #expect(
            try await CollectorProcess.requireMetric(
                metrics, "genai_collector_receiver_refused_requests_total{reason=\"max_connections\",receiver=\"otlp\",transport=\"grpc\"}") == 3)
        #expect(
            try await eventually(10) {
                (try? Scripts.python("grpc_frames.py", ["127.0.0.1:\(grpc)", Self.fixture, String(16 << 20), "valid"]).1.contains("\"grpc_status\": 0")) == true
            })
        #expect(collector.process.isRunning)
    }

    /// `/metrics` and health take credentials when configured: without them, 401 and nothing else.
    @Test func theTelemetryEndpointsTakeCredentials() async throws {
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            exporters: {debug: {}}
            extensions: {health_check: {endpoint: "127.0.0.1:0", auth: {bearer_tokens: [probe-token]}}}
            service:
              extensions: [health_check]
              telemetry: {metrics: {address: "127.0.0.1:0", auth: {bearer_tokens: [scrape-token]}}}
              pipelines: {traces: {receivers: [otlp], exporters: [debug]}}
            """
        let collector = try await CollectorProcess(yaml: yaml, servers: ["otlp/http", "metrics", "health"])
        defer { collector.stop() }
        let (http, metrics, health) = (collector.port("otlp/http"), collector.port("metrics"), collector.port("health"))
        func get(_ port: Int, _ path: String, _ token: String?) throws -> (String, String) {
            var args = ["curl", "-s", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"]
            if let token { args += ["-H", "Authorization: Bearer \(token)"] }
            let out = try Scripts.command(args).1
            return (String(out.split(separator: "\n").last ?? ""), out)
        }
        let anonymous = try get(metrics, "/metrics", nil)
        #expect(anonymous.0 == "401" && !anonymous.1.contains("genai_collector"), "\(anonymous.1)")
        #expect(try get(metrics, "/metrics", "wrong").0 == "401")
        #expect(try get(metrics, "/metrics", "scrape-token").0 == "200")
        #expect(try get(health, "/", nil).0 == "401")
        #expect(try get(health, "/", "probe-token").0 == "200")
    }

    @Test func idleKeepAliveConnectionsAreClosed() async throws {
        let s = try await Self.start(http: ", idle_timeout: 1s")
        defer { s.collector.stop() }
        let r = try await Self.attack(["idle", "127.0.0.1", String(s.http), Self.fixture])
        #expect(r["status"] == .int(200) && r["closed"] == .bool(true), "\(r)")
        #expect((r["after"]?.numberValue ?? 99) < 10, "\(r)")
        #expect(try await Self.refused(s, "idle_timeout") == 1)
    }

    @Test func slowBodiesAreClosed() async throws {
        let s = try await Self.start(http: ", read_header_timeout: 1s, min_body_bytes_per_second: 1000")
        defer { s.collector.stop() }
        let r = try await Self.attack(["slow_body", "127.0.0.1", String(s.http)])
        #expect(r["closed"] == .bool(true) && (r["after"]?.numberValue ?? 99) < 10, "\(r)")
        #expect(try await Self.refused(s, "min_body_rate") == 1)
    }

    /// A client that sends a whole request and then half-closes still gets its answer, and the spans
    /// are taken.
    @Test func halfCloseAfterACompleteRequestIsAnswered() async throws {
        let s = try await Self.start(exporter: "file")
        defer { s.collector.stop() }
        let r = try await Self.attack(["half_close", "127.0.0.1", String(s.http), Self.fixture])
        #expect(r["status"] == .int(200), "\(r)")
        #expect(try await CollectorProcess.requireMetric(s.metrics, "otelcol_receiver_accepted_spans_total{receiver=\"otlp\",transport=\"http\"}") == 3)
    }

    /// The memory limiter as a hard cap. 16 clients post 13 MiB requests at once,
    /// then 8 gzip bombs of ten million empty spans arrive at once: only 200 or 503 (and 413 for the
    /// bombs) come back, and peak RSS stays under the limit plus the overhead the README states.
    @Test func theMemoryLimitIsAHardCap() async throws {
        let dir = NSTemporaryDirectory() + "genai-rss-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A valid 13 MiB request: protobuf concatenates repeated fields, so copies of one request are one request.
        let one = try Data(contentsOf: URL(fileURLWithPath: Self.fixture))
        var big = Data()
        while big.count + one.count <= 13 << 20 { big.append(one) }
        try big.write(to: URL(fileURLWithPath: dir + "/big.pb"))
        let bomb = try await offPool { try Gzip.compress(DecodedBomb.emptySpans(10_000_000), level: 9) }
        try Data(bomb).write(to: URL(fileURLWithPath: dir + "/bomb.pb.gz"))
        let s = try await Self.start(processors: ", memory_limiter: {limit_mib: 256}", pipeline: ["memory_limiter", "batch"])
        defer { s.collector.stop() }
        let r = try await Self.attack(["parallel", "127.0.0.1", String(s.http), "16", "1", dir + "/big.pb"])
        let statuses = r["statuses"]?.objectValue?.map(\.key) ?? []
        #expect(Set(statuses).isSubset(of: ["200", "503"]), "\(r)")
        #expect((r["statuses"]?["200"]?.numberValue ?? 0) > 0 && (r["statuses"]?["503"]?.numberValue ?? 0) > 0, "\(r)")
        let bombs = try await Self.attack(["parallel", "127.0.0.1", String(s.http), "8", "1", dir + "/bomb.pb.gz", "gzip"])
        let bombStatuses = Set(bombs["statuses"]?.objectValue?.map(\.key) ?? [])
        #expect(bombStatuses.isSubset(of: ["413", "503"]) && !bombStatuses.isEmpty, "\(bombs)")
        let peakMiB = Self.peakRSSKB(s.collector) / 1024
        #expect(peakMiB > 0 && peakMiB < 256 + Self.statedOverheadMiB, "peak RSS \(peakMiB) MiB")
        print("memory hard cap: limit_mib 256, peak RSS \(peakMiB) MiB")  // the README's figure
        #expect(s.collector.process.isRunning)
    }

    /// What the process holds beyond `limit_mib`: the runtime, connection buffers and the allocator's
    /// slack (the README's figure).
    static let statedOverheadMiB = 128
}

/// The gzip bomb of empty spans, built as a client would.
enum DecodedBomb {
    static func emptySpans(_ n: Int) -> [UInt8] {
        func varint(_ v: Int) -> [UInt8] {
            var v = v, out: [UInt8] = []
            while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            return out + [UInt8(v)]
        }
        var scopeSpans = [UInt8]()
        scopeSpans.reserveCapacity(2 * n)
        for _ in 0..<n { scopeSpans += [0x12, 0x00] }
        let resourceSpans = [0x12] + varint(scopeSpans.count) + scopeSpans
        return [0x0A] + varint(resourceSpans.count) + resourceSpans
    }
}
