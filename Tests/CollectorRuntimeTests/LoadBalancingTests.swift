import CollectorCore
import CollectorRuntime
import ComponentModel
@testable import ExporterHelper
@testable import Exporters
import Foundation
import Logging
import OTLP
import OTLPSamples
import ServiceLifecycleTestKit
import Synchronization
import TestSupport
import Testing

/// A sidecar with the `loadbalancing` exporter in front of three gateway processes (OTLP/gRPC,
/// bearer auth, file exporters): every trace lands whole on exactly one gateway.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct LoadBalancingTests {
    /// `traces` traces of `spansPerTrace` spans each, every span a root's child but the first,
    /// shuffled with a fixed seed and cut into OTLP/JSON requests of `perRequest` spans.
    static func requests(traces: Int, spansPerTrace: Int, perRequest: Int, seed: UInt64 = 7) -> (bodies: [String], traceIDs: [String]) {
        var rng = SampleRNG(seed: seed)
        var spans: [String] = []
        var ids: [String] = []
        for t in 0..<traces {
            let trace = String(format: "%016llx%016llx", UInt64.random(in: 1...UInt64.max, using: &rng), UInt64(t + 1))
            ids.append(trace)
            for s in 0..<spansPerTrace {
                let parent = s == 0 ? "" : String(format: "%016llx", UInt64(t * 100 + 1))
                spans.append(
                    #"{"traceId":"\#(trace)","spanId":"\#(String(format: "%016llx", UInt64(t * 100 + s + 1)))","parentSpanId":"\#(parent)","name":"step-\#(s)","kind":1,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000"}"#
                )
            }
        }
        spans.shuffle(using: &rng)
        let bodies = stride(from: 0, to: spans.count, by: perRequest).map { start in
            let chunk = spans[start..<min(start + perRequest, spans.count)].joined(separator: ",")
            return
                #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"lb-test"}}]},"scopeSpans":[{"scope":{"name":"lb"},"spans":[\#(chunk)]}]}]}"#
        }
        return (bodies, ids)
    }

    /// The body of `aDepartingBackendsTracesMoveToTheirNewOwners` while the queue runs.
    static func reroute(
        outer: ExporterQueue, lb: LoadBalancingExporter, bodies: [String], released: ReleasedLeases, counters: Counters, deadPort: Int,
        live: [Endpoint], ports: [Int]
    ) async throws {
        for body in bodies {
            let batch = try OTLPJSONDecoder().decode(Array(body.utf8))
            let lease = Lease(holders: 1) { released.count.add(1, ordering: .relaxed) }
            #expect(outer.offer(ExportItem(batch: batch, records: nil, lease: lease)))
        }
        // The live gateways get their shares; the dead backend's waits, retrying.
        let retrying = try await eventually(30) { counters.value(.exporterRetries, ["exporter": "loadbalancing[127.0.0.1:\(deadPort)]"]) > 0 }
        #expect(retrying)
        let some = try await eventually(30) { await delivered(ports) > 0 }
        #expect(some)
        let before = await delivered(ports)
        #expect(before < 5000, "the dead backend owned some traces")
        try lb.update(live, resolver: "test")
        let all = try await eventually(60) { await delivered(ports) == 5000 }
        let count = await delivered(ports)
        #expect(all, "delivered \(count)")
    }

    typealias Gateway = (process: CollectorProcess, grpc: Int, metrics: Int, dir: String)

    /// Gateway processes (bearer token `gw-token`), each writing Langfuse events under `base/gwN`.
    static func startGateways(_ n: Int, _ base: String) async throws -> [Gateway] {
        var gateways: [Gateway] = []
        for i in 0..<n {
            let (p, _, grpc, metrics) = try await ForwardingTests.startGateway(base + "/gw\(i)")
            gateways.append((p, grpc, metrics, base + "/gw\(i)"))
        }
        return gateways
    }

    /// Which gateways each trace's observations reached, and how many each gateway got.
    static func landed(_ gateways: [Gateway]) throws -> (traces: [String: Set<Int>], perGateway: [Int]) {
        var landed: [String: Set<Int>] = [:]
        var perGateway = [Int](repeating: 0, count: gateways.count)
        for (i, g) in gateways.enumerated() {
            for e in try CollectorHarness.lines(g.dir) where e["type"]?.stringValue != "trace-create" {
                guard let trace = e["body"]?["traceId"]?.stringValue else { continue }
                landed[trace, default: []].insert(i)
                perGateway[i] += 1
            }
        }
        return (landed, perGateway)
    }

    /// Spans the gateways' file exporters wrote, from their metrics.
    static func delivered(_ metricsPorts: [Int]) async -> Double {
        var sum = 0.0
        for port in metricsPorts { sum += await CollectorProcess.metricIfPresent(port, ForwardingTests.gatewaySent) ?? 0 }
        return sum
    }

    /// The backends' timeout is generous in every test here: on a loaded machine a short one expires
    /// after a gateway took the batch, and the resend (at-least-once, as designed) breaks exact counts.
    static func sidecar(backends: [Int]) -> String {
        let hostnames = backends.map { "\"127.0.0.1:\($0)\"" }.joined(separator: ", ")
        return """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            processors:
              batch: {timeout: 100ms}
            exporters:
              loadbalancing:
                protocol:
                  otlp: {timeout: 30s, tls: {insecure: true}, headers: {authorization: "Bearer gw-token"}, retry_on_failure: {initial_interval: 100ms}}
                resolver: {static: {hostnames: [\(hostnames)]}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [batch], exporters: [loadbalancing]}}
            """
    }

    @Test func everyTraceLandsWholeOnExactlyOneGateway() async throws {
        let base = NSTemporaryDirectory() + "genai-lb-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let gateways = try await Self.startGateways(3, base)
        defer { for g in gateways { g.process.stop() } }
        let (bodies, traceIDs) = Self.requests(traces: 1000, spansPerTrace: 5, perRequest: 100)
        try await CollectorHarness.with([Self.sidecar(backends: gateways.map(\.grpc))]) { apps in
            let sidecar = apps[0]
            let url = "http://127.0.0.1:\(sidecar.port("otlp/http"))/v1/traces"
            for body in bodies { try await ConfigReloadTests.post(url, body) }
            let ports = gateways.map(\.metrics)
            let all = try await eventually(60) { await Self.delivered(ports) == 5000 }
            #expect(all)
            #expect(sidecar.counters.value(.loadBalancerBackends, ["exporter": "loadbalancing"]) == 3)
            #expect(sidecar.counters.total(.droppedSpans) == 0)
        }
        for g in gateways { g.process.stop() }
        // trace id → the gateways it reached, and the spans each got.
        let (landed, perGateway) = try Self.landed(gateways)
        #expect(perGateway.reduce(0, +) == 5000, "each span once: \(perGateway)")
        #expect(Set(landed.keys) == Set(traceIDs))
        #expect(landed.values.allSatisfy { $0.count == 1 }, "\(landed.values.filter { $0.count > 1 }.count) traces split")
        // Each gateway owns about a third (1000 traces: ±15% is far outside chance for an even ring).
        #expect(perGateway.allSatisfy { $0 >= 1400 && $0 <= 1950 }, "\(perGateway)")
    }

    /// Durable mode: the exporter's own queue is on disk, and a record is acknowledged only once every
    /// backend has delivered its share. One gateway is down; the sidecar is killed -9 while its share
    /// waits; the gateway comes up and the sidecar starts again: every span arrives (at least once;
    /// the shares the live gateway had taken may come twice), each trace whole on its owner.
    @Test func aCrashWhileABackendIsDownLosesNothing() async throws {
        let base = NSTemporaryDirectory() + "genai-lb-\(UUID().uuidString)"
        defer { removeTestFiles(base) }
        let up = try await ForwardingTests.startGateway(base + "/gw0")
        let reserved = try ReservedPort()
        let downPort = reserved.port
        var processes = [up.0]
        defer { for p in processes { p.stop() } }
        let sidecar = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            processors:
              batch: {timeout: 100ms}
            exporters:
              loadbalancing:
                sending_queue: {storage: disk, directory: "\(base)/queue"}
                retry_on_failure: {initial_interval: 100ms, max_interval: 200ms, max_elapsed_time: 0}
                protocol:
                  otlp: {timeout: 30s, tls: {insecure: true}, headers: {authorization: "Bearer gw-token"}, retry_on_failure: {initial_interval: 100ms, max_interval: 200ms, max_elapsed_time: 0}}
                resolver: {static: {hostnames: ["127.0.0.1:\(up.2)", "127.0.0.1:\(downPort)"]}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [batch], exporters: [loadbalancing]}}
            """
        let (bodies, traceIDs) = Self.requests(traces: 200, spansPerTrace: 5, perRequest: 50, seed: 29)
        let first = try await CollectorProcess(yaml: sidecar, servers: ["otlp/http", "metrics"])
        processes.append(first)
        for body in bodies { try await ConfigReloadTests.post("http://127.0.0.1:\(first.port("otlp/http"))/v1/traces", body) }
        // The down gateway's share waits, retrying; the live one's arrives.
        let retrying = try await eventually(30) {
            (await CollectorProcess.metricIfPresent(
                first.port("metrics"), "genai_collector_exporter_retries_total{exporter=\"loadbalancing[127.0.0.1:\(downPort)]\"}") ?? 0) > 0
        }
        #expect(retrying)
        let some = try await eventually(30) { (await CollectorProcess.metricIfPresent(up.3, ForwardingTests.gatewaySent) ?? 0) > 0 }
        #expect(some)
        // Nothing was acknowledged that a backend has not delivered: records wait on disk.
        let waiting = try await CollectorProcess.requireMetric(first.port("metrics"), "otelcol_exporter_queue_size{exporter=\"loadbalancing\"}")
        #expect(waiting > 0)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitForExit()

        reserved.release()
        let down = try await ForwardingTests.startGateway(base + "/gw1", grpc: downPort)
        processes.append(down.0)
        let second = try await CollectorProcess(yaml: sidecar, servers: ["otlp/http", "metrics"])
        processes.append(second)
        let gateways: [Gateway] = [(up.0, up.2, up.3, base + "/gw0"), (down.0, down.2, down.3, base + "/gw1")]
        func spans() throws -> Set<String> {
            var ids = Set<String>()
            for g in gateways {
                for e in try CollectorHarness.lines(g.dir) where e["type"]?.stringValue != "trace-create" {
                    if let id = e["body"]?["id"]?.stringValue { ids.insert(id) }
                }
            }
            return ids
        }
        // A file may end in a line still being written: that read fails, and the next one is tried.
        var lastRead = ""
        let all = try await eventually(60) {
            do {
                return try spans().count == 1000
            } catch {
                lastRead = "\(error)"
                return false
            }
        }
        #expect(all, "last read: \(lastRead); \(second.output.suffix(2000))")
        let drained = try await eventually(30) {
            await CollectorProcess.metricIfPresent(second.port("metrics"), "otelcol_exporter_queue_size{exporter=\"loadbalancing\"}") == 0
        }
        #expect(drained)
        #expect(
            try await CollectorProcess.requireMetric(
                second.port("metrics"), "genai_collector_dropped_spans_total{exporter=\"loadbalancing\",reason=\"no_backend\"}") == 0)
        let (landed, _) = try Self.landed(gateways)
        let arrived = Set(landed.keys) == Set(traceIDs)
        #expect(arrived, "\(landed.count) of \(traceIDs.count) traces arrived")
        #expect(landed.values.allSatisfy { $0.count == 1 }, "each trace whole on its owner")
    }

    /// A backend that never answers is on the ring from the start: its share waits in its queue,
    /// retrying. When it leaves the ring, that queue hands everything back and each trace goes to
    /// its new owner: all 1,000 traces arrive, each whole on one gateway, and no span is dropped.
    @Test func aDepartingBackendsTracesMoveToTheirNewOwners() async throws {
        let base = NSTemporaryDirectory() + "genai-lb-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let gateways = try await Self.startGateways(2, base)
        defer { for g in gateways { g.process.stop() } }
        // A port nothing listens on: bound, then closed.
        let (probe, _, deadPort, _) = try await ForwardingTests.startGateway(base + "/dead")
        probe.stop()
        let live = gateways.map { Endpoint(host: "127.0.0.1", port: $0.grpc) }
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            exporters:
              loadbalancing:
                protocol:
                  otlp: {timeout: 30s, tls: {insecure: true}, headers: {authorization: "Bearer gw-token"}, retry_on_failure: {initial_interval: 100ms, max_interval: 200ms}}
                resolver: {static: {hostnames: [\(live.map { "\"\($0)\"" }.joined(separator: ", ")), "127.0.0.1:\(deadPort)"]}}
            service: {pipelines: {traces: {receivers: [otlp], exporters: [loadbalancing]}}}
            """
        let config = try #require(
            try CollectorConfig(try ConfigLoader().load(["yaml:" + yaml])).exporters.values.first?.config as? LoadBalancingExporter.Config)
        let counters = Counters()
        let logger = Logger(label: "lb")
        let lb = try LoadBalancingExporter(
            config: config, settings: ComponentSettings(id: ComponentID(type: "loadbalancing"), kind: .exporter, logger: logger, counters: counters))
        let outer = ExporterQueue(exporter: lb, settings: config.sending, counters: counters, logger: logger)
        let released = ReleasedLeases()
        let (bodies, traceIDs) = Self.requests(traces: 1000, spansPerTrace: 5, perRequest: 100, seed: 11)
        let ports = gateways.map(\.metrics)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await outer.run() }
                try await Self.reroute(
                    outer: outer, lb: lb, bodies: bodies, released: released, counters: counters, deadPort: deadPort, live: live, ports: ports)
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(counters.total(.droppedSpans) == 0)
        #expect(counters.value(.loadBalancerBackends, ["exporter": "loadbalancing"]) == 2)
        #expect(counters.value(.loadBalancerBackendUpdates, ["exporter": "loadbalancing", "resolver": "test"]) == 1)
        #expect(counters.value(.loadBalancerBackendOutcome, ["endpoint": "127.0.0.1:\(deadPort)", "success": "false"]) > 0)
        // Every request's lease completed once, after its last share was sent.
        #expect(released.count.load(ordering: .relaxed) == bodies.count)
        for g in gateways { g.process.stop() }
        let (landed, perGateway) = try Self.landed(gateways)
        #expect(perGateway.reduce(0, +) == 5000, "each span once: \(perGateway)")
        #expect(Set(landed.keys) == Set(traceIDs))
        #expect(landed.values.allSatisfy { $0.count == 1 }, "\(landed.values.filter { $0.count > 1 }.count) traces split")
    }

    /// A gateway on a loopback address of its own (`127.0.0.N`) and the given gRPC port.
    static func gatewayOn(_ host: String, port: Int, dir: String) async throws -> Gateway {
        let yaml = """
            receivers: {otlp: {protocols: {grpc: {endpoint: "\(host):\(port)", auth: {bearer_tokens: [gw-token]}}}}}
            exporters:
              file/out: {directory: "\(dir)"}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], exporters: [file/out]}}
            """
        let p = try await CollectorProcess(yaml: yaml, servers: ["otlp/grpc", "metrics"], hosts: ["otlp/grpc": host])
        return (p, p.port("otlp/grpc"), p.port("metrics"), dir)
    }

    @Test func theDNSLookupAsksTheGivenServer() async throws {
        let dns = try await ScriptServer(script: "dns_test_server.py", arguments: { [$0 + "/records.json"] }, what: "the DNS test server (dnslib)")
        defer { dns.stop() }
        try #"{"gateways.test.": ["127.0.0.3", "127.0.0.2"]}"#.write(toFile: dns.directory + "/records.json", atomically: true, encoding: .utf8)
        let server = Endpoint(host: "127.0.0.1", port: Int(dns.port) ?? 0)
        #expect(try await DNSLookup(hostname: "gateways.test", server: server, timeout: .seconds(2)).addresses() == ["127.0.0.2", "127.0.0.3"])
        #expect(try await DNSLookup(hostname: "nothing.test", server: server, timeout: .seconds(2)).addresses() == [])
        dns.stop()
        // No answer: a retryable failure after the timeout, not a hang.
        await #expect(throws: ExportFailure.self) {
            try await DNSLookup(hostname: "gateways.test", server: server, timeout: .milliseconds(300)).addresses()
        }
        #expect(try await DNSLookup(hostname: "localhost", server: nil, timeout: .seconds(1)).addresses().contains("127.0.0.1"))
    }

    /// The issue's scenario: a sidecar resolves three gateways (127.0.0.2-4, one port) through DNS;
    /// half the traffic goes out; the third gateway is killed, more traffic arrives (its share
    /// waits at the sidecar, retrying), then it leaves DNS. Every span arrives once, and the killed
    /// gateway's traces move to the other two.
    @Test func aGatewayKilledAndRemovedFromDNSLosesNothing() async throws {
        let base = NSTemporaryDirectory() + "genai-lb-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let dns = try await ScriptServer(script: "dns_test_server.py", arguments: { [$0 + "/records.json"] }, what: "the DNS test server (dnslib)")
        defer { dns.stop() }
        let records = dns.directory + "/records.json"
        let first = try await Self.gatewayOn("127.0.0.2", port: 0, dir: base + "/gw0")
        var gateways = [first]
        defer { for g in gateways { g.process.stop() } }
        for (i, host) in ["127.0.0.3", "127.0.0.4"].enumerated() {
            gateways.append(try await Self.gatewayOn(host, port: first.grpc, dir: base + "/gw\(i + 1)"))
        }
        try #"{"gateways.test.": ["127.0.0.2", "127.0.0.3", "127.0.0.4"]}"#.write(toFile: records, atomically: true, encoding: .utf8)
        let sidecar = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            processors:
              batch: {timeout: 100ms}
            exporters:
              loadbalancing:
                retry_on_failure: {initial_interval: 100ms, max_interval: 200ms}
                protocol:
                  otlp: {timeout: 30s, tls: {insecure: true}, headers: {authorization: "Bearer gw-token"}, retry_on_failure: {initial_interval: 100ms, max_interval: 200ms, max_elapsed_time: 0}}
                resolver: {dns: {hostname: gateways.test, port: \(first.grpc), interval: 100ms, timeout: 1s, server: "127.0.0.1:\(dns.port)"}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [batch], exporters: [loadbalancing]}}
            """
        let (bodies, traceIDs) = Self.requests(traces: 1000, spansPerTrace: 5, perRequest: 100, seed: 23)
        let ports = gateways.map(\.metrics)
        var killedCount = 0
        try await CollectorHarness.with([sidecar]) { apps in
            let counters = apps[0].counters
            let url = "http://127.0.0.1:\(apps[0].port("otlp/http"))/v1/traces"
            let three = try await eventually(30) { counters.value(.loadBalancerBackends, ["exporter": "loadbalancing"]) == 3 }
            #expect(three)
            for body in bodies[..<25] { try await ConfigReloadTests.post(url, body) }
            let half = try await eventually(60) { await Self.delivered(ports) == 2500 }
            #expect(half)
            gateways[2].process.stop()
            killedCount = try CollectorHarness.lines(gateways[2].dir).filter { $0["type"]?.stringValue != "trace-create" }.count
            #expect(killedCount > 0)
            for body in bodies[25...] { try await ConfigReloadTests.post(url, body) }
            let retrying = try await eventually(30) {
                counters.value(.loadBalancerBackendOutcome, ["endpoint": "127.0.0.4:\(first.grpc)", "success": "false"]) > 0
            }
            #expect(retrying, "the killed gateway's share waits, retrying")
            try #"{"gateways.test.": ["127.0.0.2", "127.0.0.3"]}"#.write(toFile: records, atomically: true, encoding: .utf8)
            let rest = try await eventually(60) { await Self.delivered(Array(ports[..<2])) + Double(killedCount) == 5000 }
            let count = await Self.delivered(Array(ports[..<2]))
            #expect(rest, "delivered \(count) + \(killedCount) before the kill")
            #expect(counters.value(.loadBalancerBackends, ["exporter": "loadbalancing"]) == 2)
            #expect(counters.value(.loadBalancerResolutions, ["exporter": "loadbalancing", "resolver": "dns", "success": "true"]) > 2)
            #expect(counters.total(.droppedSpans) == 0)
        }
        for g in gateways { g.process.stop() }
        let (landed, perGateway) = try Self.landed(gateways)
        #expect(perGateway.reduce(0, +) == 5000, "each span once: \(perGateway)")
        #expect(perGateway[2] == killedCount, "nothing reached the killed gateway after it died")
        #expect(Set(landed.keys) == Set(traceIDs))
        // Traces the killed gateway had begun continue on another: they moved.
        let moved = landed.values.filter { $0.contains(2) && $0.count > 1 }.count
        #expect(moved > 0)
        // Every other trace is whole on one gateway.
        #expect(landed.values.filter { !$0.contains(2) }.allSatisfy { $0.count == 1 })
    }
}

final class ReleasedLeases: Sendable {
    let count = Atomic<Int>(0)
}
