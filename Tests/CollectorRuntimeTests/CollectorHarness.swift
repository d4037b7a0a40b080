import CollectorCore
@testable import ExporterHelper
import CollectorRuntime
import Exporters
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import ServiceLifecycleTestKit
import Synchronization
import TestSupport
import Testing
import NIOHTTP1
import Receivers

/// Several collectors in-process (a sidecar and a gateway, say), each from its own YAML, run until
/// `body` returns, then shut down gracefully together.
struct CollectorHarness {
    final class Running: Sendable {
        let app: CollectorApp
        private let bound = Mutex<[String: Int]>([:])
        init(app: CollectorApp) { self.app = app }
        func set(_ name: String, _ port: Int) { bound.withLock { $0[name] = port } }
        /// The port a server bound (`otlp/http`, `otlp/grpc`, `metrics`).
        func port(_ name: String) -> Int { bound.withLock { $0[name] } ?? 0 }
        var counters: Counters { app.counters }
    }

    /// `clock`: timers, waits and deadlines run on it (a `ManualClock` the test advances).
    static func with(
        _ yamls: [String], environment: [String: String]? = nil, clock: any Clock<Duration> = ContinuousClock(),
        _ body: ([Running]) async throws -> Void
    ) async throws {
        let loader = environment.map { ConfigLoader(environment: $0) } ?? ConfigLoader()
        let running = try yamls.map { yaml in
            Running(app: CollectorApp(config: try CollectorConfig(try loader.load(["yaml:" + yaml])), logger: Logger(label: "harness"), clock: clock))
        }
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for r in running {
                    group.addTask { try await r.app.run(shutdownSignals: []) { name, p in r.set(name, p) } }
                }
                #expect(try await eventually(30) { running.allSatisfy { $0.app.readiness.isReady } })
                // A failing body still shuts the collectors down gracefully.
                do { try await body(running) } catch { Issue.record(error, "the test body failed") }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    /// The JSON Lines a file exporter wrote under `dir`.
    static func lines(_ dir: String) throws -> [JSONValue] {
        var out: [JSONValue] = []
        for f in try FileManager.default.contentsOfDirectory(atPath: dir) where f.hasSuffix(".jsonl") {
            for line in try String(contentsOfFile: dir + "/" + f, encoding: .utf8).split(separator: "\n") {
                out.append(try JSONParser().parse(String(line)))
            }
        }
        return out
    }
}

/// The collector binary as its own process (a gateway, say), from a YAML config whose endpoints
/// bind port 0; the ports it got come from its `--ports-file`. `stop()` sends SIGTERM and waits, so
/// it shuts down gracefully.
final class CollectorProcess: @unchecked Sendable {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("genai-collector")
    let process = Process()
    let log: String
    let portsFile: String
    private(set) var ports: [String: Int] = [:]

    /// Starts the binary and waits until every server in `servers` (`otlp/http`, `otlp/grpc`,
    /// `metrics`, `health`) has bound and accepts connections.
    /// `asUser`: run it as that uid and gid (through `setpriv`; the test process is root), as the
    /// container image does.
    /// `configFile`: write the config there and pass its path (a reload watches it), instead of `yaml:`.
    /// `openFiles`: the process's file descriptor limit (through `prlimit`).
    /// `hosts`: the address a server bound, where it is not 127.0.0.1 (another loopback address).
    init(
        yaml: String, servers: [String], environment: [String: String] = [:], asUser: UInt32? = nil, configFile: String? = nil,
        openFiles: Int? = nil, hosts: [String: String] = [:]
    ) async throws {
        let base = NSTemporaryDirectory() + "genai-proc-\(UUID().uuidString)"
        log = base + ".log"
        portsFile = base + ".ports.json"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = Self.binary
        var source = "yaml:" + yaml
        if let configFile {
            try yaml.write(toFile: configFile, atomically: true, encoding: .utf8)
            source = configFile
        }
        process.arguments = ["run", "--config", source, "--ports-file", portsFile]
        if let uid = asUser {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid", "\(uid)", "--regid", "\(uid)", "--clear-groups", Self.binary.path] + process.arguments!
        }
        if let openFiles {
            process.arguments = ["--nofile=\(openFiles):\(openFiles)", process.executableURL!.path] + process.arguments!
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        }
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = process.standardOutput
        try process.run()
        let started = ContinuousClock.now
        let deadline = started + .seconds(20)
        while process.isRunning {
            // Checked once more after the deadline: a test task starved of the cooperative pool past
            // it must not blame a process that bound in time.
            let late = ContinuousClock.now >= deadline
            if let text = try? String(contentsOfFile: portsFile, encoding: .utf8), let json = try? JSONParser().parse(text) {
                ports = Dictionary(uniqueKeysWithValues: servers.compactMap { name in json[name]?.numberValue.map { (name, Int($0)) } })
                if ports.count == servers.count, ports.allSatisfy({ Self.accepts($0.value, host: hosts[$0.key] ?? "127.0.0.1") }) { return }
            }
            if late { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let waited = ContinuousClock.now - started
        stop()
        throw ProcessStartFailure("the collector process did not bind \(servers) within \(waited) (got \(ports)): \(output)")
    }

    /// The port a server bound; the test fails if it was not asked for at start.
    func port(_ server: String) -> Int {
        guard let p = ports[server] else {
            Issue.record("no port for \(server): pass it in `servers`")
            return 0
        }
        return p
    }

    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitForExit()
        }
        try? FileManager.default.removeItem(atPath: portsFile)
    }

    /// The value of one Prometheus series, spelled as `/metrics` prints it (labels sorted by name).
    /// An unreachable endpoint or a missing series throws: absent is not zero.
    static func requireMetric(_ port: Int, _ series: String) async throws -> Double {
        let url = "http://127.0.0.1:\(port)/metrics"
        let response: HTTPTransport.Response
        do { response = try await HTTPTransport(tls: nil).send(.GET, url, headers: [], body: nil, timeout: .seconds(10)) } catch {
            throw MetricError(description: "cannot scrape \(url): \(error)")
        }
        guard response.status == 200 else { throw MetricError(description: "\(url) answered \(response.status)") }
        for line in response.text.split(separator: "\n") where line.hasPrefix(series + " ") {
            guard let value = Double(line.split(separator: " ").last ?? "") else { break }
            return value
        }
        throw MetricError(description: "no series \(series) on /metrics")
    }

    /// For polling: nil while the endpoint or the series is not there yet.
    static func metricIfPresent(_ port: Int, _ series: String) async -> Double? {
        try? await requireMetric(port, series)
    }

    static func accepts(_ port: Int, host: String = "127.0.0.1") -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr(host)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

struct MetricError: Error, CustomStringConvertible {
    let description: String
}

struct ProcessStartFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// The Python clients and command-line tools the tests drive, from this folder.
enum Scripts {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// `python` and `command` off the cooperative pool, awaited by the calling test.
    static func py(_ script: String, _ args: [String], environment: [String: String] = [:]) async throws -> (Int32, String) {
        try await offPool { try python(script, args, environment: environment) }
    }

    static func cmd(_ args: [String], environment: [String: String] = [:]) async throws -> (Int32, String) {
        try await offPool { try command(args, environment: environment) }
    }

    static func python(_ script: String, _ args: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        try command(["python3", here.appendingPathComponent(script).path] + args, environment: environment)
    }

    static func command(_ args: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        try spawnAndWait(args, environment: environment)
    }
}
