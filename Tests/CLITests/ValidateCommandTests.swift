import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5)))
struct ValidateCommandTests {
    let cli = TranslateCommandTests()
    static let pipelines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("pipelines")

    @Test func theShippedLocalPipelineIsValid() async throws {
        let r = try await cli.run(["validate", Self.pipelines.appendingPathComponent("local.yaml").path])
        #expect(r.status == 0)
        let out = String(decoding: r.stdout, as: UTF8.self)
        #expect(out.contains("traces: otlp → memory_limiter → log_join → environment → batch → file/local"), "\(out)")
        #expect(out.contains("logs: otlp → memory_limiter → log_join → batch → file/local"), "\(out)")
        #expect(out.contains("metrics: otlp → memory_limiter → batch → file/local"), "\(out)")
    }

    /// An OpenTelemetry Collector config's exporter names are accepted; validate says what they are.
    @Test func collectorAliasesAreNamedCanonically() async throws {
        let yaml = """
            receivers: {otlp: {protocols: {grpc: {}}}}
            exporters: {otlp/gateway: {endpoint: "gateway:4317", tls: {insecure: true}}, otlphttp: {endpoint: "http://gateway:4318"}}
            service: {pipelines: {traces: {receivers: [otlp], exporters: [otlp/gateway, otlphttp]}}}
            """
        let r = try await cli.run(["validate", "--config", "yaml:" + yaml])
        let out = String(decoding: r.stdout, as: UTF8.self)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(out.contains("traces: otlp → otlp/gateway, otlphttp"), "\(out)")
        #expect(out.contains("exporters.otlp/gateway is otlp_grpc (otlp is the OpenTelemetry Collector's name for it)"), "\(out)")
        #expect(out.contains("exporters.otlphttp is otlp_http (otlphttp is the OpenTelemetry Collector's name for it)"), "\(out)")
    }

    @Test func mistakesAreListedWithPathsAndExitNonZero() async throws {
        let yaml = "exporters: {file/local: {directory: d, rotate_bytes: 5}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [file/local]}}}\n"
        let r = try await cli.run(["validate", "--config", "yaml:" + yaml])
        #expect(r.status == 1)
        #expect(r.stderr.contains("genai-collector: config: exporters.file/local.rotate_bytes: unknown key"))
        #expect(r.stderr.contains("service.pipelines.traces.receivers[0]: 'otlp' is not defined under receivers"))
        #expect(r.stdout.isEmpty)
    }

    /// A value substituted from `${env:...}` or `${file:...}` never appears in an error: the
    /// reference does. (An endpoint set to `${file:/etc/passwd}` used to print the whole file.)
    @Test func substitutedValuesStayOutOfErrors() async throws {
        let dir = NSTemporaryDirectory() + "genai-secret-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "line one of a secret file\nsecond line\n".write(toFile: dir + "/secret", atomically: true, encoding: .utf8)
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "${file:\(dir)/secret}"}, grpc: {max_recv_msg_size_mib: "${env:NUM_SECRET}"}}}}
            exporters:
              debug: {verbosity: "${env:ENUM_SECRET}"}
              clickhouse: {endpoint: "http://127.0.0.1:8123", project_id: p, compression: "x-${env:ENUM_SECRET}-y"}
            service: {pipelines: {traces: {receivers: [otlp], exporters: [debug, clickhouse]}}}
            """
        // Only these two variables: the test's own environment must not leak in.
        let (status, text) = try await withChildProcess { () -> (Int32, String) in
            let p = Process()
            p.executableURL = TranslateCommandTests.binary
            p.arguments = ["validate", "--config", "yaml:" + yaml]
            p.environment = ["NUM_SECRET": "hunter2-number", "ENUM_SECRET": "hunter2-enum"]
            let err = Pipe()
            p.standardOutput = FileHandle.nullDevice
            p.standardError = err
            try p.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitForExit()
            return (p.terminationStatus, text)
        }
        #expect(status == 1)
        for secret in ["hunter2", "line one", "second line"] { #expect(!text.contains(secret), "\(text)") }
        #expect(text.contains("exporters.debug.verbosity: '${env:ENUM_SECRET}' is not one of"), "\(text)")
        #expect(text.contains("exporters.clickhouse.compression: 'x-${env:ENUM_SECRET}-y'"), "\(text)")
        let grpcOrHTTP =
            text.contains("max_recv_msg_size_mib: expected an integer, got '${env:NUM_SECRET}'")
            || text.contains("endpoint: '${file:\(dir)/secret}'")
        #expect(grpcOrHTTP, "\(text)")
    }

    /// A file exporter or disk queue whose directory cannot be written fails validate and run with
    /// the path, instead of starting, answering 200 and dropping every batch.
    @Test(arguments: ["file/out: {directory: \"DIR/out\"}", "debug: {sending_queue: {storage: disk, directory: \"DIR/queue\"}}"])
    func anUnwritableDirectoryIsRefusedAtStart(_ exporter: String) async throws {
        let blocker = NSTemporaryDirectory() + "genai-not-a-dir-\(UUID().uuidString)"
        try "a file".write(toFile: blocker, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: blocker) }
        let id = exporter.prefix { $0 != ":" }
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            exporters: {\(exporter.replacingOccurrences(of: "DIR", with: blocker))}
            service: {telemetry: {metrics: {address: "127.0.0.1:0"}}, pipelines: {traces: {receivers: [otlp], exporters: [\(id)]}}}
            """
        for command in ["validate", "run"] {
            let r = try await cli.run([command, "--config", "yaml:" + yaml])
            #expect(r.status == 1, "\(command)")
            #expect(r.stderr.contains("cannot create \(blocker)/"), "\(command): \(r.stderr)")
        }
    }

    @Test func configFromAnEnvironmentVariable() async throws {
        let config = try String(contentsOf: Self.pipelines.appendingPathComponent("local.yaml"), encoding: .utf8)
        let status = try await withChildProcess { () -> Int32 in
            let p = Process()
            p.executableURL = TranslateCommandTests.binary
            p.arguments = ["validate", "--config=env:GENAI_TEST_CONFIG"]
            p.environment = ["GENAI_TEST_CONFIG": config]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitForExit()
            return p.terminationStatus
        }
        #expect(status == 0)
    }

    /// validate makes the checks run makes before binding: unreadable TLS files, a pipeline mixing
    /// disk and memory queues.
    @Test func theChecksBeforeStartingAreMadeToo() async throws {
        let tls = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            exporters: {otlp_http: {endpoint: "https://gw:4318", tls: {ca_file: /nonexistent/ca.pem}}}
            service: {pipelines: {traces: {receivers: [otlp], exporters: [otlp_http]}}}
            """
        let r = try await cli.run(["validate", "--config", "yaml:" + tls])
        #expect(r.status == 1)
        #expect(r.stderr.contains("exporters.otlp_http.tls.ca_file: cannot read /nonexistent/ca.pem"), "\(r.stderr)")
        let mixed = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            exporters: {debug/a: {sending_queue: {storage: disk}}, debug/b: {}}
            service: {pipelines: {traces: {receivers: [otlp], exporters: [debug/a, debug/b]}}}
            """
        let m = try await cli.run(["validate", "--config", "yaml:" + mixed])
        #expect(m.status == 1)
        #expect(m.stderr.contains("service.pipelines.traces.exporters: give every exporter of a pipeline the same sending_queue.storage"), "\(m.stderr)")
    }
}
