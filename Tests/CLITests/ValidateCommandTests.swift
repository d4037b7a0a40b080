import Foundation
import Testing

struct ValidateCommandTests {
    let cli = TranslateCommandTests()
    static let pipelines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("pipelines")

    @Test func theShippedLocalPipelineIsValid() throws {
        let r = try cli.run(["validate", Self.pipelines.appendingPathComponent("local.yaml").path])
        #expect(r.status == 0)
        #expect(String(decoding: r.stdout, as: UTF8.self).contains("traces: otlp → memory_limiter → environment → batch → file/local"))
    }

    @Test func mistakesAreListedWithPathsAndExitNonZero() throws {
        let yaml = "exporters: {file/local: {directory: d, rotate_bytes: 5}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [file/local]}}}\n"
        let r = try cli.run(["validate", "--config", "yaml:" + yaml])
        #expect(r.status == 1)
        #expect(r.stderr.contains("genai-collector: config: exporters.file/local.rotate_bytes: unknown key"))
        #expect(r.stderr.contains("service.pipelines.traces.receivers[0]: 'otlp' is not defined under receivers"))
        #expect(r.stdout.isEmpty)
    }

    @Test func configFromAnEnvironmentVariable() throws {
        let p = Process()
        p.executableURL = TranslateCommandTests.binary
        p.arguments = ["validate", "--config=env:GENAI_TEST_CONFIG"]
        p.environment = ["GENAI_TEST_CONFIG": try String(contentsOf: Self.pipelines.appendingPathComponent("local.yaml"), encoding: .utf8)]
        p.standardOutput = Pipe()
        p.standardError = Pipe()
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    /// validate makes the checks run makes before binding: unreadable TLS files, a pipeline mixing
    /// disk and memory queues.
    @Test func theChecksBeforeStartingAreMadeToo() throws {
        let tls = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            exporters: {otlp_http: {endpoint: "https://gw:4318", tls: {ca_file: /nonexistent/ca.pem}}}
            service: {pipelines: {traces: {receivers: [otlp], exporters: [otlp_http]}}}
            """
        let r = try cli.run(["validate", "--config", "yaml:" + tls])
        #expect(r.status == 1)
        #expect(r.stderr.contains("exporters.otlp_http.tls.ca_file: cannot read /nonexistent/ca.pem"), "\(r.stderr)")
        let mixed = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            exporters: {debug/a: {sending_queue: {storage: disk}}, debug/b: {}}
            service: {pipelines: {traces: {receivers: [otlp], exporters: [debug/a, debug/b]}}}
            """
        let m = try cli.run(["validate", "--config", "yaml:" + mixed])
        #expect(m.status == 1)
        #expect(m.stderr.contains("service.pipelines.traces.exporters: give every exporter of a pipeline the same sending_queue.storage"), "\(m.stderr)")
    }
}
