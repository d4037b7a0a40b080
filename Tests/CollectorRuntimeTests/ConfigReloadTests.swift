import CollectorCore
@testable import ExporterHelper
import Exporters
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Synchronization
import Testing
import SwiftProtobuf
import NIOHTTP1

/// A mounted secret directory as kubelet and the Secrets Store CSI driver keep it: each file is a
/// symlink through `..data` into a timestamped directory, and an update writes a new directory and
/// swaps `..data` with one rename, so a reader sees the old set or the new one, never a mix.
final class SecretMount: Sendable {
    let dir: String
    private let version = Mutex(0)

    init(_ files: [String: String]) throws {
        dir = NSTemporaryDirectory() + "genai-secrets-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try update(files)
        for name in files.keys {
            try FileManager.default.createSymbolicLink(atPath: "\(dir)/\(name)", withDestinationPath: "..data/\(name)")
        }
    }

    func update(_ files: [String: String]) throws {
        let v = version.withLock {
            $0 += 1; return $0
        }
        let target = "..2026_12_05_\(v)"
        try FileManager.default.createDirectory(atPath: "\(dir)/\(target)", withIntermediateDirectories: true)
        for (name, value) in files { try (value + "\n").write(toFile: "\(dir)/\(target)/\(name)", atomically: true, encoding: .utf8) }
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/..data_tmp", withDestinationPath: target)
        guard rename("\(dir)/..data_tmp", "\(dir)/..data") == 0 else { throw POSIXError(.EIO) }
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}

/// Spans accepted so far, read by the test while the load runs.
final class Counter: Sendable {
    private let value = Mutex(0)
    var current: Int { value.withLock { $0 } }
    func add(_ n: Int) { value.withLock { $0 += n } }
}

final class StopFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

/// Config reloads in the real binary: a rotated secret (a `..data` swap) or an edited config file is
/// picked up while traffic flows, with nothing lost; a broken config is refused and the old one keeps
/// running; SIGHUP reloads; a change that needs a restart says so.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ConfigReloadTests {

    /// Posts 5-span requests (distinct span ids per seed), about ten a second, until `stop`, each
    /// until accepted, as an SDK retries a pushback. Returns how many spans were accepted. Steady,
    /// not heavy: the suite's other tests share the machine's two cores.
    static func load(_ port: Int, stop: StopFlag, progress: Counter, seeds: ClosedRange<UInt64>) async throws -> Int {
        let transport = try HTTPTransport(tls: nil)
        var accepted = 0
        for seed in seeds {
            if stop.isSet { break }
            let body: [UInt8] = try SampleRequests.llmShaped(spans: 5, seed: seed).serializedBytes()
            var tries = 0
            while true {
                tries += 1
                let r = try await transport.send(
                    .POST, "http://127.0.0.1:\(port)/v1/traces", headers: [("Content-Type", "application/x-protobuf")],
                    body: body, timeout: .seconds(10))
                if r.status == 200 { break }
                try #require(r.status == 503 && tries < 100, "\(r.status) \(r.text)")
                try await Task.sleep(for: .milliseconds(50))
            }
            accepted += 5
            progress.add(5)
            try await Task.sleep(for: .milliseconds(100))
        }
        return accepted
    }

    static func json(_ url: String) async throws -> JSONValue {
        let r = try await HTTPTransport(tls: nil).send(.GET, url, headers: [], body: nil, timeout: .seconds(5))
        try #require(r.status == 200, "\(url): \(r.status)")
        return try JSONParser().parse(r.text)
    }

    static func post(_ url: String, _ body: String) async throws {
        let r = try await HTTPTransport(tls: nil).send(
            .POST, url, headers: [("Content-Type", "application/json")], body: Array(body.utf8), timeout: .seconds(5))
        try #require(r.status == 200, "\(url): \(r.status) \(r.text)")
    }

    func sql(_ server: ClickHouseTestServer, password: String, _ query: String) throws -> String {
        let (status, out) = try Scripts.command([
            "curl", "-s", "-S", "--fail-with-body", "-u", "\(server.user):\(password)",
            "--data-binary", query, server.url + "/",
        ])
        #expect(status == 0, "\(query): \(out)")
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func rotatedCredentialsAreUsedWithinSecondsAndNothingIsLost() async throws {
        let clickhouse = try await ClickHouseTestServer(faults: true)
        defer { clickhouse.stop() }
        let langfuse = try await LangfuseTestServer()
        defer { langfuse.stop() }
        let database = "reload_\(UInt32.random(in: 0...UInt32.max))"
        _ = try sql(clickhouse, password: clickhouse.password, "CREATE DATABASE IF NOT EXISTS \(database)")
        let secrets = try SecretMount([
            "clickhouse-password": clickhouse.password,
            "langfuse-public-key": langfuse.publicKey, "langfuse-secret-key": langfuse.secretKey,
        ])
        defer { secrets.remove() }
        let queue = NSTemporaryDirectory() + "genai-queue-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: queue) }
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            processors:
              batch: {send_batch_size: 200, timeout: 200ms}
            exporters:
              clickhouse:
                endpoint: "\(clickhouse.url)"
                username: "\(clickhouse.user)"
                password: "${file:\(secrets.dir)/clickhouse-password}"
                database: \(database)
                project_id: proj-reload
                create_schema: true
                timeout: 5s
                retry_on_failure: {initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0}
                sending_queue: {storage: disk, directory: "\(queue)"}
              langfuse:
                host: "\(langfuse.url)"
                public_key: "${file:\(secrets.dir)/langfuse-public-key}"
                secret_key: "${file:\(secrets.dir)/langfuse-secret-key}"
                timeout: 5s
                retry_on_failure: {initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0}
                sending_queue: {storage: disk, directory: "\(queue)"}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [batch], exporters: [clickhouse, langfuse]}}
            """
        let collector = try await CollectorProcess(yaml: yaml, servers: ["otlp/http", "metrics"])
        defer { collector.stop() }
        let (otlp, metrics) = (collector.port("otlp/http"), collector.port("metrics"))
        let applied = "genai_collector_config_reloads_total{outcome=\"applied\"}"
        #expect(try await CollectorProcess.requireMetric(metrics, applied) == 0)
        let hashBefore = try await CollectorProcess.requireMetric(metrics, "genai_collector_config_hash")

        let stop = StopFlag()
        let progress = Counter()
        // The load runs before, during and after the rotation: each phase waits for spans to be
        // accepted in it, rather than for a fixed time (the machine may be busy).
        func moreAccepted() async throws -> Bool {
            let before = progress.current
            return try await eventually(30) { progress.current >= before + 20 }
        }
        let sent = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { try await Self.load(otlp, stop: stop, progress: progress, seeds: 1...100_000) }
            #expect(try await moreAccepted(), "before the swap")
            // The new credentials exist at the sinks (a second password, a second key pair), then the
            // mounted files change as the CSI driver changes them.
            try await Self.post(clickhouse.url + "/passwords", #"["\#(clickhouse.password)", "n3w-pa55"]"#)
            try await Self.post(langfuse.url + "/__control/keys", #"[["\#(langfuse.publicKey)", "\#(langfuse.secretKey)"], ["pk-lf-new", "sk-lf-new"]]"#)
            let swapped = ContinuousClock.now
            try secrets.update(["clickhouse-password": "n3w-pa55", "langfuse-public-key": "pk-lf-new", "langfuse-secret-key": "sk-lf-new"])
            // Picked up and applied within seconds, and both sinks hear the new credentials.
            #expect(try await eventually(10) { await CollectorProcess.metricIfPresent(metrics, applied) == 1 }, "\(collector.output.suffix(3000))")
            #expect(
                try await eventually(10) {
                    let ch = try? await Self.json(clickhouse.url + "/passwords")
                    let lf = try? await Self.json(langfuse.url + "/__control/keys")
                    return (ch?["requests"]?["n3w-pa55"]?.numberValue ?? 0) > 0 && (lf?["by_public_key"]?["pk-lf-new"]?.numberValue ?? 0) > 0
                })
            let used = ContinuousClock.now - swapped
            print("reload: new credentials in use \(used) after the swap")
            #expect(used < .seconds(10))
            // The old credentials are revoked; traffic goes on.
            try await Self.post(clickhouse.url + "/passwords", #"["n3w-pa55"]"#)
            try await Self.post(langfuse.url + "/__control/keys", #"[["pk-lf-new", "sk-lf-new"]]"#)
            #expect(try await moreAccepted(), "after the old credentials were revoked")
            stop.set()
            return try await group.next() ?? 0
        }
        #expect(sent == progress.current && sent >= 40, "the load ran: \(sent) spans")
        print("reload: \(sent) spans sent during the rotation")
        // Every acknowledged span arrives, once, in both sinks.
        let chSent = "otelcol_exporter_sent_spans_total{exporter=\"clickhouse\"}"
        let lfSent = "otelcol_exporter_sent_spans_total{exporter=\"langfuse\"}"
        #expect(
            try await eventually(30) {
                let ch = await CollectorProcess.metricIfPresent(metrics, chSent)
                let lf = await CollectorProcess.metricIfPresent(metrics, lfSent)
                return ch == Double(sent) && lf == Double(sent)
            }, "\(collector.output.suffix(3000))")
        #expect(try sql(clickhouse, password: "n3w-pa55", "SELECT count() FROM \(database).observations FINAL") == "\(sent)")
        let received = try await Self.json(langfuse.url + "/__control/keys")
        #expect(received["spans"]?.numberValue == Double(sent), "\(received)")
        // No request was ever refused for its credentials, and nothing was dropped.
        let passwords = try await Self.json(clickhouse.url + "/passwords")
        #expect(passwords["requests"]?["(refused)"] == nil, "\(passwords)")
        #expect(
            try await CollectorProcess.requireMetric(metrics, "genai_collector_dropped_spans_total{exporter=\"clickhouse\",reason=\"permanent_error\"}") == 0)
        #expect(try await CollectorProcess.requireMetric(metrics, "genai_collector_dropped_spans_total{exporter=\"langfuse\",reason=\"permanent_error\"}") == 0)
        #expect(try await CollectorProcess.requireMetric(metrics, "genai_collector_config_hash") != hashBefore)
        #expect(try await CollectorProcess.requireMetric(metrics, "genai_collector_config_reloads_total{outcome=\"failed\"}") == 0)
    }

    @Test func aBrokenConfigIsRefusedAndSIGHUPAndEditsReload() async throws {
        let dir = NSTemporaryDirectory() + "genai-reload-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Which config served a span shows in where it was written.
        func config(out: String, endpoint: String = "127.0.0.1:0", extra: String = "") -> String {
            """
            receivers: {otlp: {protocols: {http: {endpoint: "\(endpoint)"}}}}
            processors:
              batch: {timeout: 100ms}
            exporters:
              file: {directory: "\(dir)/\(out)"\(extra)}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [batch], exporters: [file]}}
            """
        }
        let file = dir + "/collector.yaml"
        let collector = try await CollectorProcess(yaml: config(out: "before"), servers: ["otlp/http", "metrics"], configFile: file)
        defer { collector.stop() }
        let (otlp, metrics) = (collector.port("otlp/http"), collector.port("metrics"))
        func reloads(_ outcome: String) async -> Double? {
            await CollectorProcess.metricIfPresent(metrics, "genai_collector_config_reloads_total{outcome=\"\(outcome)\"}")
        }
        func send(_ seed: UInt64) async throws {
            let body: [UInt8] = try SampleRequests.llmShaped(spans: 4, seed: seed).serializedBytes()
            let r = try await HTTPTransport(tls: nil).send(
                .POST, "http://127.0.0.1:\(otlp)/v1/traces", headers: [("Content-Type", "application/x-protobuf")],
                body: body, timeout: .seconds(5))
            #expect(r.status == 200, "\(r.status) \(r.text)")
        }
        func written() -> [String: Int] {
            var out: [String: Int] = [:]
            for name in ["before", "after"] {
                let events = (try? CollectorHarness.lines(dir + "/" + name)) ?? []
                out[name] = events.filter { $0["type"]?.stringValue != "trace-create" }.count
            }
            return out
        }
        try await send(1)
        let hash = try await CollectorProcess.requireMetric(metrics, "genai_collector_config_hash")

        // A typo: refused, counted, logged; the old config keeps serving.
        try config(out: "typo", extra: ", rotate_bytez: 5").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await eventually(10) { await reloads("failed") == 1 }, "\(collector.output.suffix(2000))")
        #expect(collector.output.contains("rotate_bytez"), "the error names the key")
        try await send(2)
        #expect(try await CollectorProcess.requireMetric(metrics, "genai_collector_config_hash") == hash)
        // Tried once per change, not once per poll.
        try await Task.sleep(for: .seconds(2.5))
        #expect(await reloads("failed") == 1)

        // A fixed edit: applied; new spans carry the new value.
        try config(out: "after").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await eventually(10) { await reloads("applied") == 1 }, "\(collector.output.suffix(2000))")
        try await send(3)
        #expect(try await eventually(10) { written() == ["before": 8, "after": 4] }, "\(written())")

        // SIGHUP with nothing changed: read again, nothing swapped.
        kill(collector.process.processIdentifier, SIGHUP)
        #expect(try await eventually(10) { await reloads("unchanged") == 1 }, "\(collector.output.suffix(2000))")
        #expect(await reloads("applied") == 1)

        // A new listener address needs a restart: said, counted, not applied; the old one still serves.
        try config(out: "after", endpoint: "127.0.0.1:1").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await eventually(10) { await reloads("restart_required") == 1 }, "\(collector.output.suffix(2000))")
        try await send(4)
        #expect(try await eventually(10) { written() == ["before": 8, "after": 8] }, "\(written())")
        #expect(collector.process.isRunning)
    }
}
