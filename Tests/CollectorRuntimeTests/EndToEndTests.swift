import CollectorCore
import CollectorRuntime
import Foundation
import Synchronization
import Logging
import ServiceLifecycleTestKit
import Testing

/// The daemon in-process (OTLP/HTTP → environment → batch → file), fed by the real OpenTelemetry
/// Python SDK exporter; asserts what reaches the file exporter.
@Suite(.serialized)
struct EndToEndTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("send_spans.py").path

    func config(_ directory: String) -> String {
        """
        receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
        processors:
          environment: {from_attribute: deployment.environment.name, value: e2e}
          batch: {timeout: 100ms}
        exporters:
          file/out: {directory: "\(directory)"}
        service:
          telemetry: {metrics: {address: "127.0.0.1:0"}}
          pipelines: {traces: {receivers: [otlp], processors: [environment, batch], exporters: [file/out]}}
        """
    }

    func python(_ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.script] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    /// Waits for a condition with a deadline (the pipeline flushes on its own timer).
    func eventually(_ seconds: Double = 20, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    @Test(arguments: ["none", "gzip"])
    func pythonSDKSpansArriveAsLangfuseEvents(_ compression: String) async throws {
        let dir = NSTemporaryDirectory() + "genai-e2e-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try CollectorConfig(try ConfigLoader().load(["yaml:" + config(dir)]))
        let app = CollectorApp(config: config, logger: Logger(label: "e2e"))
        let port = PortBox()
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.run(shutdownSignals: []) { name, p in if name == "otlp/http" { port.set(p) } } }
                #expect(try await eventually { port.value != nil && app.readiness.isReady })
                let endpoint = "http://127.0.0.1:\(port.value ?? 0)/v1/traces"
                let (status, output) = try python([endpoint, compression, "4"])
                #expect(status == 0, "python exporter: \(output)")
                #expect(try await eventually { app.counters.total(.exporterSentSpans) == 12 })
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(app.counters.total(.receiverAcceptedSpans) == 12)
        // GenAI series: observations by type, tokens by model/environment/type/bucket.
        #expect(app.counters.value(.observations, ["type": "generation", "environment": "staging"]) == 4)
        #expect(app.counters.value(.observations, ["type": "tool", "environment": "staging"]) == 4)
        #expect(app.counters.value(.tokens, ["model": "gpt-4o-2024-08-06", "environment": "staging",
                                             "observation_type": "generation", "usage": "input"]) == 400)
        #expect(app.counters.value(.tokens, ["model": "gpt-4o-2024-08-06", "environment": "staging",
                                             "observation_type": "generation", "usage": "input_cached_tokens"]) == 80)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".jsonl") }
        var events: [JSONValue] = []
        for f in files {
            let text = try String(contentsOfFile: dir + "/" + f, encoding: .utf8)
            for line in text.split(separator: "\n") { events.append(try JSONParser().parse(String(line))) }
        }
        let types = events.compactMap { $0["type"]?.stringValue }
        #expect(types.filter { $0 == "agent-create" }.count == 4)
        #expect(types.filter { $0 == "generation-create" }.count == 4)
        #expect(types.filter { $0 == "tool-create" }.count == 4)
        let traces = events.filter { $0["type"]?.stringValue == "trace-create" }
        #expect(Set(traces.compactMap { $0["body"]?["id"]?.stringValue }).count == 4)
        #expect(traces.allSatisfy { $0["body"]?["userId"]?.stringValue == "user-7" })
        #expect(Set(traces.compactMap { $0["body"]?["sessionId"]?.stringValue }) == ["session-0", "session-1", "session-2", "session-3"])
        let generation = try #require(events.first { $0["type"]?.stringValue == "generation-create" }?["body"])
        #expect(generation["model"]?.stringValue == "gpt-4o-2024-08-06")
        #expect(generation["usageDetails"] == (try JSONParser().parse(#"{"input":100,"output":30,"total":150,"input_cached_tokens":20}"#)))
        #expect(generation["input"] == .string(#"[{"role": "user", "content": "Plan my day"}]"#))
        // The resource already names the environment (Staging): the processor keeps it and the
        // translator normalises it.
        #expect(events.allSatisfy { $0["body"]?["environment"]?.stringValue == "staging" })
    }
}

final class PortBox: Sendable {
    private let port = Mutex<Int?>(nil)
    func set(_ p: Int) { port.withLock { $0 = p } }
    var value: Int? { port.withLock { $0 } }
}
