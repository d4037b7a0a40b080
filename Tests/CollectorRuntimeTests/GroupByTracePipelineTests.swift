import CollectorCore
@testable import CollectorRuntime
import ExporterHelper
import Processors
import Foundation
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

/// `groupbytrace` in a running collector: 200 traces of 5 spans, shuffled over 50 requests, go out
/// through `batch` and `otlp_http` to a peer that records which traces each request carried
/// (`scripts/otlp_partial_peer.py`). With the buffer every trace arrives in one request; without it
/// (the control) traces arrive in pieces, so the check can fail. Time is a `ManualClock`: a loaded
/// machine's pauses between requests cannot pass for a trace's quiet time.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct GroupByTracePipelineTests {
    static func yaml(peer: String, grouped: Bool) -> String {
        """
        receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
        processors:
          groupbytrace: {wait_duration: 2s}
          batch: {send_batch_size: 37, timeout: 50ms}  # not a multiple of 5: a trace would straddle two batches
        exporters:
          otlp_http: {endpoint: "http://127.0.0.1:\(peer)", compression: none, timeout: 30s}
        service:
          telemetry: {metrics: {address: "127.0.0.1:0"}}
          pipelines: {traces: {receivers: [otlp], processors: [\(grouped ? "groupbytrace, " : "")batch], exporters: [otlp_http]}}
        """
    }

    /// Per trace id: the requests that carried its spans, and how many spans in all.
    static func arrivals(_ peer: String) async throws -> (requests: [String: Int], spans: [String: Int], total: Int) {
        let r = try await HTTPTransport(tls: nil).send(.GET, "http://127.0.0.1:\(peer)/received", headers: [], body: nil, timeout: .seconds(5))
        let taken = try JSONParser().parse(r.text)
        var requests: [String: Int] = [:]
        var spans: [String: Int] = [:]
        for batch in taken["batches"]?.arrayValue ?? [] {
            for m in batch.objectValue ?? [] {
                requests[m.key, default: 0] += 1
                spans[m.key, default: 0] += Int(m.value.numberValue ?? 0)
            }
        }
        return (requests, spans, Int(taken["spans"]?.numberValue ?? -1))
    }

    static func send(_ running: CollectorHarness.Running, seed: UInt64) async throws -> [String] {
        let (bodies, ids) = LoadBalancingTests.requests(traces: 200, spansPerTrace: 5, perRequest: 20, seed: seed)
        for body in bodies { try await ConfigReloadTests.post("http://127.0.0.1:\(running.port("otlp/http"))/v1/traces", body) }
        return ids
    }

    /// Moves the clock on in small steps until the peer has `spans` (or 60 s of real time pass).
    static func advance(_ clock: ManualClock, until peer: String, has spans: Int) async throws -> Bool {
        try await eventually(60) {
            clock.advance(by: .milliseconds(100))
            return (try? await Self.arrivals(peer).total) == spans
        }
    }

    @Test func everyTraceLeavesInOneRequest() async throws {
        let peer = try await ScriptServer(script: "otlp_partial_peer.py", what: "the recording OTLP peer")
        defer { peer.stop() }
        let clock = ManualClock()
        try await CollectorHarness.with([Self.yaml(peer: peer.port, grouped: true)], clock: clock) { running in
            let r = running[0]
            let ids = try await Self.send(r, seed: 21)
            #expect(r.counters.value(.groupByTraceSpans, ["processor": "groupbytrace"]) == 1000)
            #expect(try await Self.arrivals(peer.port).total == 0, "nothing goes before the wait")
            let all = try await Self.advance(clock, until: peer.port, has: 1000)
            let reasons = TraceBuffer.Reason.allCases.map {
                "\($0.rawValue): \(r.counters.value(.groupByTraceReleasedSpans, ["processor": "groupbytrace", "reason": $0.rawValue]))"
            }
            let (requests, spans, total) = try await Self.arrivals(peer.port)
            #expect(all, "the peer has \(total) spans; released by reason: \(reasons)")
            let arrived = Set(requests.keys) == Set(ids)
            #expect(arrived, "\(requests.count) of \(ids.count) traces arrived")
            #expect(requests.values.allSatisfy { $0 == 1 }, "traces in pieces: \(requests.filter { $0.value > 1 }.count)")
            #expect(spans.values.allSatisfy { $0 == 5 })
            let labels = ["processor": "groupbytrace", "reason": "complete"]
            #expect(r.counters.value(.groupByTraceReleasedTraces, labels) == 200)
            #expect(r.counters.value(.groupByTraceReleasedSpans, labels) == 1000)
            for reason in ["no_root", "evicted_traces", "evicted_bytes", "flushed"] {
                #expect(r.counters.value(.groupByTraceReleasedTraces, ["processor": "groupbytrace", "reason": reason]) == 0, "\(reason)")
            }
            #expect(r.counters.value(.groupByTraceTraces, ["processor": "groupbytrace"]) == 0)
            #expect(r.counters.value(.groupByTraceBytes, ["processor": "groupbytrace"]) == 0)
        }
    }

    @Test func withoutTheBufferTracesArriveInPieces() async throws {
        let peer = try await ScriptServer(script: "otlp_partial_peer.py", what: "the recording OTLP peer")
        defer { peer.stop() }
        let clock = ManualClock()
        try await CollectorHarness.with([Self.yaml(peer: peer.port, grouped: false)], clock: clock) { running in
            let ids = try await Self.send(running[0], seed: 21)
            let all = try await Self.advance(clock, until: peer.port, has: 1000)
            #expect(all)
            let (requests, _, _) = try await Self.arrivals(peer.port)
            #expect(Set(requests.keys) == Set(ids))
            #expect(requests.values.contains { $0 > 1 })
        }
    }

    /// What a shutdown finds in the buffer goes out, counted as `flushed`: a long wait never loses it.
    @Test func shutdownReleasesWhatIsHeld() async throws {
        let peer = try await ScriptServer(script: "otlp_partial_peer.py", what: "the recording OTLP peer")
        defer { peer.stop() }
        let counters = Mutex<Counters?>(nil)
        let ids = LoadBalancingTests.requests(traces: 200, spansPerTrace: 5, perRequest: 20, seed: 22).traceIDs
        // The clock never moves: nothing falls due before the shutdown.
        try await CollectorHarness.with([Self.yaml(peer: peer.port, grouped: true)], clock: ManualClock()) { running in
            counters.withLock { $0 = running[0].counters }
            let sentIDs = try await Self.send(running[0], seed: 22)
            #expect(sentIDs == ids)
            #expect(running[0].counters.value(.groupByTraceSpans, ["processor": "groupbytrace"]) == 1000)
            #expect(try await Self.arrivals(peer.port).total == 0)
        }
        let (requests, _, total) = try await Self.arrivals(peer.port)
        #expect(total == 1000 && Set(requests.keys) == Set(ids) && requests.values.allSatisfy { $0 == 1 })
        let c = try #require(counters.withLock { $0 })
        #expect(c.value(.groupByTraceReleasedTraces, ["processor": "groupbytrace", "reason": "flushed"]) == 200)
    }

    /// Durable mode: the buffer's journal. Traces acknowledged to the client and waiting in the
    /// buffer survive kill -9: the next start reads them back and releases each whole, exactly once.
    @Test func aCrashWhileTracesWaitLosesNothingAcknowledged() async throws {
        let base = NSTemporaryDirectory() + "genai-gbt-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: base) }
        func yaml(wait: String) -> String {
            """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            processors: {groupbytrace: {wait_duration: \(wait)}}
            exporters:
              file/out: {directory: "\(base)/out", format: otlp_json, sending_queue: {storage: disk, directory: "\(base)/queue"}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [groupbytrace], exporters: [file/out]}}
            """
        }
        let sent = "otelcol_exporter_sent_spans_total{exporter=\"file/out\"}"
        let replayed = "genai_collector_processor_outcomes_total{outcome=\"journal_replayed_spans\",processor=\"groupbytrace[traces]\"}"

        // 1. Everything acknowledged, then held: the wait is an hour.
        let first = try await CollectorProcess(yaml: yaml(wait: "1h"), servers: ["otlp/http", "metrics"])
        let (bodies, ids) = LoadBalancingTests.requests(traces: 200, spansPerTrace: 5, perRequest: 20, seed: 23)
        for body in bodies { try await ConfigReloadTests.post("http://127.0.0.1:\(first.port("otlp/http"))/v1/traces", body) }
        let held = "genai_collector_groupbytrace_spans_in_memory{processor=\"groupbytrace\"}"
        #expect(try await CollectorProcess.requireMetric(first.port("metrics"), held) == 1000)
        #expect(try await CollectorProcess.requireMetric(first.port("metrics"), sent) == 0)
        // 2. kill -9: no shutdown, no flush.
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitForExit()

        // 3. Started again: the journal is read back, and each trace goes out whole once its wait is over.
        let second = try await CollectorProcess(yaml: yaml(wait: "500ms"), servers: ["otlp/http", "metrics"])
        let all = try await eventually(60) { await CollectorProcess.metricIfPresent(second.port("metrics"), sent) == 1000 }
        #expect(all, "\(second.output.suffix(2000))")
        #expect(try await CollectorProcess.requireMetric(second.port("metrics"), replayed) == 1000)
        second.stop()
        var lines: [String: Int] = [:]
        var spans: [String: Int] = [:]
        for line in try CollectorHarness.lines(base + "/out") {
            var traces = Set<String>()
            for rs in line["resourceSpans"]?.arrayValue ?? [] {
                for ss in rs["scopeSpans"]?.arrayValue ?? [] {
                    for span in ss["spans"]?.arrayValue ?? [] {
                        guard let t = span["traceId"]?.stringValue else { continue }
                        traces.insert(t)
                        spans[t, default: 0] += 1
                    }
                }
            }
            for t in traces { lines[t, default: 0] += 1 }
        }
        let arrived = Set(lines.keys) == Set(ids)
        #expect(arrived, "\(lines.count) of \(ids.count) traces arrived")
        #expect(lines.values.allSatisfy { $0 == 1 } && spans.values.allSatisfy { $0 == 5 }, "each trace whole in one record, once")

        // 4. Started once more: the journal was acknowledged, so nothing is read back or sent again.
        // One new trace goes through first: once it is out, any read-back (done before the buffer's
        // first release) is over.
        let third = try await CollectorProcess(yaml: yaml(wait: "500ms"), servers: ["otlp/http", "metrics"])
        defer { third.stop() }
        let fresh = LoadBalancingTests.requests(traces: 1, spansPerTrace: 5, perRequest: 5, seed: 24).bodies
        try await ConfigReloadTests.post("http://127.0.0.1:\(third.port("otlp/http"))/v1/traces", fresh[0])
        let through = try await eventually(30) { await CollectorProcess.metricIfPresent(third.port("metrics"), sent) == 5 }
        #expect(through)
        #expect(try await CollectorProcess.requireMetric(third.port("metrics"), replayed) == 0)
        #expect(try await CollectorProcess.requireMetric(third.port("metrics"), sent) == 5, "the new trace only")
    }

    @Test func theStagesMustBeInAnOrderThatWorks() throws {
        let base = """
            receivers: {otlp: {protocols: {http: {}}}}
            processors: {groupbytrace: {}, batch: {}, batch/2: {}, groupbytrace/2: {}}
            exporters: {debug: {}, file: {directory: /tmp/x, sending_queue: {storage: disk, directory: /tmp/q}}}
            service: {pipelines: {traces: {receivers: [otlp], processors: [PROCESSORS], exporters: [EXPORTERS]}}}
            """
        func errors(_ processors: String, _ exporters: String = "debug") -> String {
            let yaml = base.replacingOccurrences(of: "PROCESSORS", with: processors).replacingOccurrences(of: "EXPORTERS", with: exporters)
            do {
                return try CollectorConfig(try ConfigLoader().load(["yaml:" + yaml])).pipelines.isEmpty ? "no pipeline" : ""
            } catch {
                return "\(error)"
            }
        }
        #expect(errors("groupbytrace, batch") == "")
        #expect(errors("batch, groupbytrace").contains("groupbytrace must come before batch"))
        #expect(errors("batch, batch/2").contains("one batching stage per pipeline"))
        #expect(errors("groupbytrace, groupbytrace/2, batch").contains("one per-trace buffer per pipeline"))
        #expect(errors("groupbytrace, batch", "file") == "", "durable mode: the buffer keeps a journal")
        #expect(errors("groupbytrace, batch", "file, debug") == "")
    }
}
