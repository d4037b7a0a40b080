import CollectorCore
@testable import ExporterHelper
import Foundation
import NIOHTTP1
import OTLP
import Synchronization
import TestSupport
import Testing

/// The real `opentelemetry-instrumentation-openai-v2` (content capture on) against the fake OpenAI
/// server, exporting with the SDK's stock OTLP exporters: its prompts and completions come as GenAI
/// event log records, and the collector joins them onto the model calls' spans.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct LogJoinPipelineTests {
    static let python = Scripts.here.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/frameworks/openai_v2/bin/python3").path
    static let app = FrameworkEndToEndTests.apps.appendingPathComponent("openai_v2_app.py").path
    static let answer = "It is sunny and 21 degrees in Paris."

    static func yaml(traces: String, logs: String) -> String {
        """
        receivers:
          otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: "127.0.0.1:0"}}}
        processors:
          log_join: {}
          redaction: {}
          batch: {timeout: 100ms}
        exporters:
          file/traces: {directory: "\(traces)"}
          file/logs: {directory: "\(logs)"}
        service:
          telemetry: {metrics: {address: "127.0.0.1:0"}}
          pipelines:
            traces: {receivers: [otlp], processors: [log_join, batch], exporters: [file/traces]}
            logs: {receivers: [otlp], processors: [redaction, log_join, batch], exporters: [file/logs]}
            metrics: {receivers: [otlp], processors: [batch], exporters: [file/logs]}
        """
    }

    /// The app's three interactions: trace ids by name (`plain`, `stream`, `tools`).
    static func run(_ args: [String], environment: [String: String] = [:]) async throws -> [String: String] {
        try #require(
            FileManager.default.isExecutableFile(atPath: python), "\(python) is missing: scripts/framework-env.sh (run by scripts/test.sh) installs it")
        let (status, out) = try await Scripts.cmd([python, app] + args, environment: environment)
        try #require(status == 0, "\(out)")
        let last = try #require(out.split(separator: "\n").last.map(String.init))
        let ids = try JSONParser().parse(last)
        return Dictionary(uniqueKeysWithValues: (ids.objectValue ?? []).map { ($0.key, $0.value.stringValue ?? "") })
    }

    /// A message's role and text, whichever convention wrote it (`content`, or the text of `parts`).
    static func text(_ m: JSONValue) -> (role: String, text: String) {
        let role = m["role"]?.stringValue ?? "?"
        if let c = m["content"]?.stringValue { return (role, c) }
        let parts = m["parts"]?.arrayValue ?? []
        return (role, parts.compactMap { $0["content"]?.stringValue ?? $0["response"]?.stringValue }.joined())
    }

    /// `role: text` for each input message.
    static func messages(_ input: JSONValue?) -> [String] {
        (input?.arrayValue ?? []).map { m in
            let t = text(m)
            return "\(t.role): \(t.text)"
        }
    }

    static func output(_ o: JSONValue?) -> String {
        guard let o else { return "" }
        if let message = o["message"] { return text(message).text }
        return (o.arrayValue ?? []).map { text($0).text }.joined()
    }

    /// legacy: one record per message and per choice; latest: one whole-exchange record per call.
    @Test(arguments: ["http legacy", "grpc legacy", "http latest"])
    func contentFromLogRecordsBecomesTheGenerationsInputAndOutput(_ mode: String) async throws {
        let (transport, conventions) = (String(mode.split(separator: " ")[0]), String(mode.split(separator: " ")[1]))
        let base = NSTemporaryDirectory() + "genai-join-\(UUID().uuidString)"
        defer { removeTestFiles(base) }
        var traces: [String: String] = [:]
        try await CollectorHarness.with([Self.yaml(traces: base + "/traces", logs: base + "/logs")]) { running in
            let r = running[0]
            let port = transport == "grpc" ? r.port("otlp/grpc") : r.port("otlp/http")
            traces = try await Self.run(["http://127.0.0.1:\(port)", transport, conventions])
            #expect(try await eventually { r.counters.value(.exporterSentSpans, ["exporter": "file/traces"]) == 7 })
            let records = conventions == "legacy" ? 11 : 4
            #expect(try await eventually { r.counters.value(.exporterSentLogRecords, ["exporter": "file/logs"]) == records })
            let join = ["processor": "log_join"]
            #expect(r.counters.value(.logJoinRecords, join.merging(["outcome": "joined"]) { $1 }) == records)
            #expect(r.counters.value(.logJoinSpans, join.merging(["outcome": "joined"]) { $1 }) == 4)
            for outcome in ["unmatched", "evicted"] { #expect(r.counters.value(.logJoinRecords, join.merging(["outcome": outcome]) { $1 }) == 0) }
            #expect(r.counters.value(.logJoinSpans, join.merging(["outcome": "no_records"]) { $1 }) == 0)
            // The instrumentation's gen_ai.client.* histograms came through the metrics pipeline (the
            // SDK sends them as it exits; the exporter writes them on its own time).
            #expect(try await eventually { r.counters.value(.exporterSentMetricPoints, ["exporter": "file/logs"]) > 0 })
        }
        let events = try CollectorHarness.lines(base + "/traces")
        let generations = events.filter { $0["type"]?.stringValue == "generation-create" }.compactMap { $0["body"] }
        #expect(generations.count == 4)
        func of(_ name: String) -> [JSONValue] {
            generations.filter { $0["traceId"]?.stringValue == traces[name] }.sorted {
                ($0["startTime"]?.stringValue ?? "") < ($1["startTime"]?.stringValue ?? "")
            }
        }
        let plain = try #require(of("plain").first)
        // The e-mail address was redacted in the log record, before the join.
        #expect(Self.messages(plain["input"]) == ["system: Be brief.", "user: Weather in Paris? Mail me at <EMAIL>"])
        #expect(Self.output(plain["output"]) == Self.answer)
        let stream = try #require(of("stream").first)
        #expect(Self.messages(stream["input"]) == ["user: Stream the weather."])
        #expect(Self.output(stream["output"]) == Self.answer)
        let tools = of("tools")
        try #require(tools.count == 2)
        #expect(Self.messages(tools[0]["input"]) == ["user: What is the weather in Paris?"])
        #expect(JSONWriter.serialize(tools[0]["output"] ?? .null).contains("get_weather"))
        #expect(Self.messages(tools[1]["input"]) == ["user: What is the weather in Paris?", "assistant: ", "tool: Sunny, 21 degrees in Paris."])
        #expect(Self.output(tools[1]["output"]) == Self.answer)
        // Nowhere in what was written, traces or logs.
        for dir in ["/traces", "/logs"] {
            for f in try FileManager.default.contentsOfDirectory(atPath: base + dir) {
                #expect(!(try String(contentsOfFile: base + dir + "/" + f, encoding: .utf8)).contains("jane.doe@example.com"), "\(dir)/\(f)")
            }
        }
    }

    static func gateway(peer: String) -> String {
        """
        receivers:
          otlp: {protocols: {grpc: {endpoint: "127.0.0.1:0"}}}
        exporters:
          otlp_http: {endpoint: "http://127.0.0.1:\(peer)", compression: none}
        service:
          telemetry: {metrics: {address: "127.0.0.1:0"}}
          pipelines:
            logs: {receivers: [otlp], exporters: [otlp_http]}
            metrics: {receivers: [otlp], exporters: [otlp_http]}
        """
    }

    static func sidecar(gateway: Int) -> String {
        """
        receivers:
          otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}
        exporters:
          otlp_grpc: {endpoint: "127.0.0.1:\(gateway)", tls: {insecure: true}, compression: gzip}
          debug: {}
        service:
          telemetry: {metrics: {address: "127.0.0.1:0"}}
          pipelines:
            traces: {receivers: [otlp], exporters: [debug]}
            logs: {receivers: [otlp], exporters: [otlp_grpc]}
            metrics: {receivers: [otlp], exporters: [otlp_grpc]}
        """
    }

    /// The SDK's own metrics requests, as its encoder serialized them, reach the gateway's peer
    /// unchanged; its log records arrive complete.
    @Test func sdkMetricsPassThroughASidecarToAGatewayByteForByte() async throws {
        let peer = try await ScriptServer(script: "otlp_partial_peer.py", what: "the recording OTLP peer")
        defer { peer.stop() }
        let gateway = try await CollectorProcess(yaml: Self.gateway(peer: peer.port), servers: ["otlp/grpc", "metrics"])
        defer { gateway.stop() }
        let dump = NSTemporaryDirectory() + "genai-metrics-\(UUID().uuidString).hex"
        defer { removeTestFiles(dump) }
        try await CollectorHarness.with([Self.sidecar(gateway: gateway.port("otlp/grpc"))]) { running in
            let port = running[0].port("otlp/http")
            let traces = try await Self.run(["http://127.0.0.1:\(port)", "http", "legacy"], environment: ["METRICS_DUMP": dump])
            #expect(traces.keys.sorted() == ["plain", "stream", "tools"])
            let sent = try String(contentsOfFile: dump, encoding: .utf8).split(separator: "\n").map(String.init)
            try #require(!sent.isEmpty)
            var taken = JSONValue.null
            let complete = try await eventually {
                taken = await Self.received(peer.port)
                return taken["metrics"]?.arrayValue?.count == sent.count && taken["logs"]?.arrayValue?.isEmpty == false
            }
            #expect(complete, "\(gateway.output)")
            let received = (taken["metrics"]?.arrayValue ?? []).compactMap(\.stringValue)
            // Each request arrives as sent; their order is not kept: the SDK's requests leave the
            // sidecar's queue on several consumers, as in any collector.
            #expect(received.sorted() == sent.sorted())
            // The instrumentation's own histograms, by name.
            let text = sent.map { String(decoding: Self.bytes($0), as: UTF8.self) }.joined()
            #expect(text.contains("gen_ai.client.token.usage") && text.contains("gen_ai.client.operation.duration"))
            let names = try sent.map { hex -> Int in
                let batch = try OTLPProtobufDecoder().decode(Self.bytes(hex), signal: .metrics)
                return batch.metricPoints
            }
            #expect(names.reduce(0, +) > 0)
            let records = try (taken["logs"]?.arrayValue ?? []).compactMap(\.stringValue).reduce(0) {
                $0 + (try OTLPProtobufDecoder().decode(Self.bytes($1), signal: .logs)).logRecords.count
            }
            #expect(records == 11)
        }
    }

    /// What the peer has taken (null while it cannot be read).
    static func received(_ port: String) async -> JSONValue {
        do {
            let r = try await HTTPTransport(tls: nil).send(.GET, "http://127.0.0.1:\(port)/received", headers: [], body: nil, timeout: .seconds(5))
            return try JSONParser().parse(r.text)
        } catch {
            return .null
        }
    }

    static func bytes(_ hex: String) -> [UInt8] {
        let u = Array(hex.utf8)
        return stride(from: 0, to: u.count - 1, by: 2).map { Hex.nibble(u[$0])! << 4 | Hex.nibble(u[$0 + 1])! }
    }

    /// OTLP/JSON logs and metrics over HTTP: answered `{}`, counted exactly, written per signal.
    @Test func otlpJSONLogsAndMetricsAreTakenOverHTTP() async throws {
        let dir = NSTemporaryDirectory() + "genai-json-signals-\(UUID().uuidString)"
        defer { removeTestFiles(dir) }
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            exporters: {file: {directory: "\(dir)"}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines:
                logs: {receivers: [otlp], exporters: [file]}
                metrics: {receivers: [otlp], exporters: [file]}
            """
        try await CollectorHarness.with([yaml]) { running in
            let r = running[0]
            let base = "http://127.0.0.1:\(r.port("otlp/http"))/v1/"
            for (signal, body) in [("logs", SignalBodies.logs), ("metrics", SignalBodies.metrics)] {
                let answer = try await HTTPTransport(tls: nil).send(
                    .POST, base + signal, headers: [("Content-Type", "application/json")], body: Array(body.utf8), timeout: .seconds(5))
                #expect(answer.status == 200 && answer.text == "{}", "\(signal): \(answer.status) \(answer.text)")
            }
            let labels = ["receiver": "otlp", "transport": "http"]
            #expect(r.counters.value(.receiverAcceptedLogRecords, labels) == 2)
            #expect(r.counters.value(.receiverAcceptedMetricPoints, labels) == 2)
            // A traces request to this receiver finds no pipeline.
            let traces = try await HTTPTransport(tls: nil).send(
                .POST, base + "traces", headers: [("Content-Type", "application/json")], body: Array("{}".utf8), timeout: .seconds(5))
            #expect(traces.status == 404)
            #expect(try await eventually { r.counters.value(.exporterSentMetricPoints, ["exporter": "file"]) == 2 })
            #expect(try await eventually { r.counters.value(.exporterSentLogRecords, ["exporter": "file"]) == 2 })
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files.count == 2 && files[0].hasPrefix("logs-") && files[1].hasPrefix("metrics-"), "\(files)")
    }

    /// A receiver no logs (or metrics) pipeline lists answers 404 on HTTP and UNIMPLEMENTED on gRPC.
    @Test func aSignalWithoutAPipelineIsRefusedBeforeItsBodyIsRead() async throws {
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: "127.0.0.1:0"}}}}
            exporters: {debug: {}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], exporters: [debug]}}
            """
        try await CollectorHarness.with([yaml]) { running in
            let base = "http://127.0.0.1:\(running[0].port("otlp/http"))"
            for signal in ["logs", "metrics"] {
                let r = try await HTTPTransport(tls: nil).send(
                    .POST, base + "/v1/\(signal)", headers: [("Content-Type", "application/json")], body: Array("{}".utf8), timeout: .seconds(5))
                #expect(r.status == 404 && r.text.contains("no \(signal) pipeline takes data from receiver otlp"), "\(r.status) \(r.text)")
            }
            let labels = ["receiver": "otlp", "transport": "http", "reason": "not_found"]
            #expect(running[0].counters.value(.receiverRefusedRequests, labels) == 2)
            for signal in ["logs", "metrics"] {
                let (status, out) = try await Scripts.py(
                    "grpc_raw.py", ["--expect", "UNIMPLEMENTED", "--service", signal, "127.0.0.1:\(running[0].port("otlp/grpc"))", ""])
                #expect(status == 0, "\(signal): \(out)")
            }
            #expect(running[0].counters.value(.receiverRefusedRequests, ["receiver": "otlp", "transport": "grpc", "reason": "not_found"]) == 2)
        }
    }
}

/// Small OTLP/JSON bodies of the other two signals: two log records, two histogram data points.
enum SignalBodies {
    static let logs = """
        {"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"one"}},{"body":{"stringValue":"two"}}]}]}]}
        """
    static let metrics = """
        {"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"gen_ai.client.token.usage","histogram":{"aggregationTemporality":2,
         "dataPoints":[{"count":"2","sum":30,"bucketCounts":["1","1"],"explicitBounds":[16]},{"count":"1","sum":4}]}}]}]}]}
        """
}

/// Durable mode: a request whose model span waits for its records is answered only once the
/// records came (or the window ran out) and the request, records attached, is in the exporter's disk
/// queue; so what the join holds is never only in memory when the client hears OK.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct DurableLogJoinTests {
    static let trace = "0102030405060708090a0b0c0d0e0f10"

    static func yaml(_ dir: String) -> String {
        """
        receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
        processors:
          log_join: {join_window: 5s}
        exporters:
          file/out:
            directory: "\(dir)/out"
            sending_queue: {storage: disk, directory: "\(dir)/queue"}
          nop: {}
        service:
          telemetry: {metrics: {address: "127.0.0.1:0"}}
          pipelines:
            traces: {receivers: [otlp], processors: [log_join], exporters: [file/out]}
            logs: {receivers: [otlp], processors: [log_join], exporters: [nop]}
        """
    }

    static func span(_ id: String) -> String {
        """
        {"resourceSpans":[{"scopeSpans":[{"scope":{"name":"opentelemetry.instrumentation.openai_v2"},"spans":[
         {"traceId":"\(trace)","spanId":"\(id)","name":"chat gpt-4o-mini","kind":3,"startTimeUnixNano":"1000","endTimeUnixNano":"2000",
          "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}}]}]}]}]}
        """
    }

    static func choice(_ id: String) -> String {
        """
        {"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1500","traceId":"\(trace)","spanId":"\(id)","eventName":"gen_ai.choice",
         "body":{"kvlistValue":{"values":[{"key":"index","value":{"intValue":"0"}},{"key":"finish_reason","value":{"stringValue":"stop"}},
          {"key":"message","value":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"the answer"}}]}}}]}}}]}]}]}
        """
    }

    /// Set once a request has been answered.
    final class Answered: Sendable {
        let done = Mutex(false)
    }

    static func post(_ url: String, _ body: String, _ answered: Answered? = nil) async throws -> UInt {
        let status = try await HTTPTransport(tls: nil).send(
            .POST, url, headers: [("Content-Type", "application/json")], body: Array(body.utf8), timeout: .seconds(30)
        ).status
        answered?.done.withLock { $0 = true }
        return status
    }

    static func check(_ r: CollectorHarness.Running, _ clock: ManualClock, _ dir: String) async throws {
        let base = "http://127.0.0.1:\(r.port("otlp/http"))/v1/"
        let waiting = ["processor": "log_join"]
        // 1. The records come: the answer follows them, and the span is written with its output.
        let answered = Answered()
        async let first = post(base + "traces", span("1111111111111111"), answered)
        #expect(try await eventually { r.counters.value(.logJoinWaitingSpans, waiting) == 1 })
        #expect(r.counters.value(.exporterSentSpans, ["exporter": "file/out"]) == 0)
        #expect(answered.done.withLock { !$0 }, "answered while the span still waits")
        #expect(try await post(base + "logs", choice("1111111111111111")) == 200)
        #expect(try await first == 200)
        // The disk queue's sender gathers a partial batch for 200 ms on the same clock.
        #expect(
            try await eventually {
                clock.advance(by: .milliseconds(300))
                return r.counters.value(.exporterSentSpans, ["exporter": "file/out"]) == 1
            })
        // 2. No records: the answer comes when the window runs out, on the collector's clock.
        async let second = post(base + "traces", span("2222222222222222"))
        #expect(try await eventually { r.counters.value(.logJoinWaitingSpans, waiting) == 1 })
        clock.advance(by: .seconds(6))
        #expect(
            try await eventually {
                clock.advance(by: .seconds(2))
                return r.counters.value(.logJoinWaitingSpans, waiting) == 0
            })
        #expect(try await second == 200)
        #expect(
            try await eventually {
                clock.advance(by: .milliseconds(300))
                return r.counters.value(.exporterSentSpans, ["exporter": "file/out"]) == 2
            })
        #expect(r.counters.value(.logJoinSpans, ["processor": "log_join", "outcome": "joined"]) == 1)
        #expect(r.counters.value(.logJoinSpans, ["processor": "log_join", "outcome": "no_records"]) == 1)
        #expect(r.counters.value(.logJoinRecords, ["processor": "log_join", "outcome": "joined"]) == 1)
    }

    @Test func theAnswerWaitsForTheRecordsAndTheDisk() async throws {
        let dir = NSTemporaryDirectory() + "genai-durable-join-\(UUID().uuidString)"
        defer { removeTestFiles(dir) }
        let clock = ManualClock()
        try await CollectorHarness.with([Self.yaml(dir)], clock: clock) { running in
            try await Self.check(running[0], clock, dir)
        }
        let observations = try CollectorHarness.lines(dir + "/out").filter { $0["type"]?.stringValue == "generation-create" }.compactMap { $0["body"] }
        #expect(observations.count == 2)
        let joined = observations.first { $0["id"]?.stringValue == "1111111111111111" }
        let output = JSONWriter.serialize(joined?["output"] ?? .null)
        #expect(output.contains("the answer"))
        let alone = observations.first { $0["id"]?.stringValue == "2222222222222222" }
        #expect(alone != nil && alone?["output"] == nil)
    }
}
