import CollectorCore
@testable import CollectorRuntime
import Foundation
import OTLPSamples
import Processors
import Synchronization
import TestSupport
import Testing

/// `tail_sampling` on a seeded mixed workload: 300 agent traces (errors, costly and long ones, a
/// leaked e-mail address, VIP users, slow ones), their spans shuffled across requests, go through two
/// collectors side by side: one samples, one keeps everything. The sampled one keeps exactly the
/// traces the policies pick, in order, each counted under the policy that kept it; the GenAI usage,
/// cost and observation series of both are identical.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct TailSamplingTests {
    struct Trace {
        var id: String
        var spans: [String]
        var error = false
        var tokens: Int64 = 0
        var cost = 0.0
        var email = false
        var user = ""
        var latencyMillis = 0
        var low: UInt64 = 0
    }

    static let policies = """
        - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
        - {name: expensive, type: cost, cost: {min_usd: 0.012}}
        - {name: big, type: tokens, tokens: {min_total: 6000}}
        - {name: redacted, type: redaction}
        - {name: vip, type: trace_field, trace_field: {field: user_id, values: [vip-1, vip-2]}}
        - {name: slow, type: latency, latency: {threshold_ms: 30000}}
        - {name: sample, type: probabilistic, probabilistic: {sampling_percentage: 10}}
        """

    /// Which policy keeps `t`, as the README states them: the first that matches; nil if none does.
    static func expected(_ t: Trace) -> String? {
        if t.error { return "errors" }
        if t.cost >= 0.012 { return "expensive" }
        if t.tokens >= 6000 { return "big" }
        if t.email { return "redacted" }
        if t.user.hasPrefix("vip-") { return "vip" }
        if t.latencyMillis >= 30000 { return "slow" }
        if Double(t.low & 0x00FF_FFFF_FFFF_FFFF) < 0.10 * 0x1p56 { return "sample" }
        return nil
    }

    static func workload(traces: Int, seed: UInt64) -> [Trace] {
        var rng = SampleRNG(seed: seed)
        func chance(_ p: Double) -> Bool { Double(rng.next() % 10_000) < p * 10_000 }
        func attr(_ k: String, _ v: String) -> String { #"{"key":"\#(k)","value":{"stringValue":"\#(v)"}}"# }
        func attr(_ k: String, _ v: Int64) -> String { #"{"key":"\#(k)","value":{"intValue":"\#(v)"}}"# }
        let base: UInt64 = 1_764_400_000_000_000_000
        var out: [Trace] = []
        for n in 0..<traces {
            let high = rng.next()
            let low = rng.next()
            var t = Trace(id: String(format: "%016llx%016llx", high, low), spans: [], low: low)
            t.user = chance(0.05) ? "vip-\(1 + n % 2)" : "user-\(n % 40)"
            t.latencyMillis = Int(1_000 + rng.next() % 59_000)
            let common = [attr("user.id", t.user), attr("deployment.environment.name", "production")]
            let root = String(format: "%016llx", UInt64(n) * 16 + 1)
            let end = base + UInt64(t.latencyMillis) * 1_000_000
            t.spans.append(
                #"{"traceId":"\#(t.id)","spanId":"\#(root)","name":"agent-run","kind":1,"startTimeUnixNano":"\#(base)","endTimeUnixNano":"\#(end)","attributes":[\#(common.joined(separator: ","))]}"#
            )
            t.email = chance(0.05)
            let calls = 1 + Int(rng.next() % 3)
            for c in 0..<calls {
                let input = Int64(10 + rng.next() % 3000)
                let output = Int64(10 + rng.next() % 1000)
                t.tokens += input + output
                t.cost += Double(input) * 1.0e-6 + Double(output) * 4.0e-6
                let failed = chance(0.03)
                t.error = t.error || failed
                let prompt = c == 0 && t.email ? "write to jane.doe@example.com please" : "what is the weather"
                let attrs =
                    common + [
                        attr("gen_ai.operation.name", "chat"), attr("gen_ai.request.model", "acme-llm"), attr("gen_ai.usage.input_tokens", input),
                        attr("gen_ai.usage.output_tokens", output), attr("gen_ai.prompt", prompt),
                    ]
                let status = failed ? #","status":{"code":2,"message":"upstream 500"}"# : ""
                t.spans.append(
                    #"{"traceId":"\#(t.id)","spanId":"\#(String(format: "%016llx", UInt64(n) * 16 + 2 + UInt64(c)))","parentSpanId":"\#(root)","name":"chat acme-llm","kind":3,"startTimeUnixNano":"\#(base + 1_000_000)","endTimeUnixNano":"\#(end - 1_000_000)","attributes":[\#(attrs.joined(separator: ","))]\#(status)}"#
                )
            }
            out.append(t)
        }
        return out
    }

    static func bodies(_ traces: [Trace], perRequest: Int, seed: UInt64) -> [String] {
        var rng = SampleRNG(seed: seed)
        var spans = traces.flatMap(\.spans)
        spans.shuffle(using: &rng)
        return stride(from: 0, to: spans.count, by: perRequest).map { start in
            let chunk = spans[start..<min(start + perRequest, spans.count)].joined(separator: ",")
            return
                #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"agents"}}]},"scopeSpans":[{"scope":{"name":"agents"},"spans":[\#(chunk)]}]}]}"#
        }
    }

    static func yaml(peer: String, sampling: Bool) -> String {
        """
        receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
        processors:
          redaction: {}
          cost_inference:
            models: [{model_name: acme-llm, match_pattern: "^acme-llm$", prices_per_unit: {input: 1.0e-6, output: 4.0e-6}}]
          groupbytrace: {wait_duration: 2s}
          tail_sampling:
            policies:
        \(policies.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
          batch: {send_batch_size: 50, timeout: 50ms}
        exporters:
          otlp_http: {endpoint: "http://127.0.0.1:\(peer)", compression: none, timeout: 30s}
        service:
          telemetry: {metrics: {address: "127.0.0.1:0"}}
          pipelines:
            traces:
              receivers: [otlp]
              processors: [redaction, cost_inference, groupbytrace, \(sampling ? "tail_sampling, " : "")batch]
              exporters: [otlp_http]
        """
    }

    /// The GenAI series (usage, cost, observations) of one collector, as exposition-ready pairs.
    static func genAISeries(_ c: Counters) -> [String: Double] {
        var out: [String: Double] = [:]
        for (key, value) in c.snapshot() where [.tokens, .costUSD, .observations].contains(key.metric) {
            out["\(key.metric.rawValue)\(key.labels.sorted { $0.key < $1.key })"] = value
        }
        return out
    }

    @Test func theKeptSetIsWhatThePoliciesSayAndUsageStaysExact() async throws {
        let traces = Self.workload(traces: 300, seed: 31)
        let bodies = Self.bodies(traces, perRequest: 25, seed: 32)
        let kept = traces.filter { Self.expected($0) != nil }
        let byPolicy = Dictionary(grouping: kept, by: { Self.expected($0)! }).mapValues(\.count)
        // The workload exercises every policy, and drops some traces.
        #expect(Set(byPolicy.keys) == ["errors", "expensive", "big", "redacted", "vip", "slow", "sample"], "\(byPolicy)")
        #expect(kept.count < traces.count)

        let sampledPeer = try await ScriptServer(script: "otlp_partial_peer.py", what: "the recording OTLP peer")
        defer { sampledPeer.stop() }
        let fullPeer = try await ScriptServer(script: "otlp_partial_peer.py", what: "the recording OTLP peer")
        defer { fullPeer.stop() }
        let clock = ManualClock()
        let yamls = [Self.yaml(peer: sampledPeer.port, sampling: true), Self.yaml(peer: fullPeer.port, sampling: false)]
        try await CollectorHarness.with(yamls, clock: clock) { running in
            for r in running {
                for body in bodies { try await ConfigReloadTests.post("http://127.0.0.1:\(r.port("otlp/http"))/v1/traces", body) }
            }
            let keptSpans = kept.reduce(0) { $0 + $1.spans.count }
            let allSpans = traces.reduce(0) { $0 + $1.spans.count }
            let sampledDone = try await GroupByTracePipelineTests.advance(clock, until: sampledPeer.port, has: keptSpans)
            let fullDone = try await GroupByTracePipelineTests.advance(clock, until: fullPeer.port, has: allSpans)
            #expect(sampledDone && fullDone)
            let (sampled, sampledSpans, _) = try await GroupByTracePipelineTests.arrivals(sampledPeer.port)
            let exact = Set(sampled.keys) == Set(kept.map(\.id))
            #expect(exact, "kept \(sampled.count) traces; the policies pick \(kept.count)")
            #expect(sampledSpans.values.reduce(0, +) == keptSpans)

            let c = running[0].counters
            for (policy, n) in byPolicy {
                #expect(c.value(.tailSamplingTraces, ["processor": "tail_sampling", "policy": policy, "sampled": "true"]) == n, "\(policy)")
            }
            #expect(c.value(.tailSamplingTraces, ["processor": "tail_sampling", "policy": "none", "sampled": "false"]) == traces.count - kept.count)
            #expect(c.value(.tailSamplingSpans, ["processor": "tail_sampling", "sampled": "true"]) == keptSpans)
            #expect(c.value(.tailSamplingSpans, ["processor": "tail_sampling", "sampled": "false"]) == allSpans - keptSpans)

            // Usage and cost are counted before sampling: the same with it as without.
            let withSampling = Self.genAISeries(running[0].counters)
            let without = Self.genAISeries(running[1].counters)
            // Tokens and observations exactly; USD sums to the last bits a different order of
            // additions leaves (the batches differ, so the sums run in another order).
            let differ = Set(withSampling.keys).union(without.keys).filter { key in
                guard let a = withSampling[key], let b = without[key] else { return true }
                return key.hasPrefix(MetricName.costUSD.rawValue) ? abs(a - b) > 1e-12 * max(abs(a), abs(b)) : a != b
            }.sorted()
            #expect(!without.isEmpty && differ.isEmpty, "\(differ.map { "\($0): \(withSampling[$0] ?? -1) vs \(without[$0] ?? -1)" })")
            let tokens = traces.reduce(0) { $0 + $1.tokens }
            #expect(running[0].counters.total(.tokens) == Int(tokens) * 2, "input + output, and their total")
        }
    }

    @Test func policiesAreCheckedAsTheyAreWritten() throws {
        func decode(_ yaml: String) -> String {
            do {
                let config = try CollectorConfig(
                    try ConfigLoader().load([
                        "yaml:receivers: {otlp: {protocols: {http: {}}}}\nexporters: {debug: {}}\nprocessors: {groupbytrace: {}, tail_sampling: {policies: [\(yaml)]}}\nservice: {pipelines: {traces: {receivers: [otlp], processors: [groupbytrace, tail_sampling], exporters: [debug]}}}"
                    ]))
                return config.processors.isEmpty ? "no processors" : ""
            } catch {
                return "\(error)"
            }
        }
        #expect(decode("{name: a, type: always_sample}") == "")
        #expect(decode("{name: a, type: probabilistic, probabilistic: {sampling_percentage: 12.5}}") == "")
        #expect(decode("{name: a, type: latency, latency: {threshold_ms: 5000}}") == "")
        #expect(decode("{name: a, type: ottl_condition}").contains("is not one of"))
        #expect(decode("{type: always_sample}").contains("name"))
        #expect(decode("{name: a, type: always_sample}, {name: a, type: always_sample}").contains("names two policies"))
        #expect(decode("{name: none, type: always_sample}").contains("reserved"))
        #expect(decode("{name: a, type: status_code, status_code: {status_codes: [OK]}}").contains("only [ERROR]"))
        #expect(decode("{name: a, type: cost}").contains("min_usd"))
        #expect(decode("{name: a, type: latency, latency: {threshold_ms: 5000, threshold: 5s}}").contains("unknown key"))
        #expect(decode("{name: a, type: trace_field, trace_field: {field: team, values: [x]}}").contains("is not one of"))
        #expect(decode("{name: a, type: probabilistic, probabilistic: {sampling_percentage: 120}}").contains("0 to 100"))
    }

    /// The config error of a traces pipeline whose processors are `chain`, from the definitions in
    /// `processors` (a YAML flow map's body), or "" when it is valid.
    static func chainErrors(_ processors: String, _ chain: String) -> String {
        let yaml = """
            receivers: {otlp: {protocols: {http: {}}}}
            processors: {\(processors)}
            exporters: {debug: {}}
            service: {pipelines: {traces: {receivers: [otlp], processors: [\(chain)], exporters: [debug]}}}
            """
        do {
            return try CollectorConfig(try ConfigLoader().load(["yaml:" + yaml])).pipelines.isEmpty ? "no pipeline" : ""
        } catch {
            return "\(error)"
        }
    }

    @Test func theSamplerNeedsWholeTracesBeforeIt() throws {
        func errors(_ chain: String) -> String {
            Self.chainErrors("groupbytrace: {}, batch: {}, tail_sampling: {policies: [{name: a, type: always_sample}]}", chain)
        }
        #expect(errors("groupbytrace, tail_sampling, batch") == "")
        #expect(errors("tail_sampling, batch").contains("put a groupbytrace processor before it"))
        #expect(errors("tail_sampling, groupbytrace, batch").contains("put a groupbytrace processor before it"))
        #expect(errors("groupbytrace, batch, tail_sampling").contains("tail_sampling must come before batch"))
    }
}
