import CollectorCore
@testable import CollectorRuntime
import Foundation
import GenAIMapping
import OTLP
import TestSupport
import Testing

/// The live view's numbers from known records on an injected clock: exact sums, the window
/// moving on, the recent traces, and input/output only after redaction.
@Suite(.timeLimit(.minutes(5)))
struct LiveViewTests {
    /// Trace `t` (1-based): an agent `planner` (stage `plan`) with a chat of model m1 (10/5 tokens,
    /// $0.25, 1 s, an input) and a failed chat of model m2 (no usage, 2 s).
    static func records(traces: ClosedRange<Int>) throws -> LangfuseRecords {
        var spans: [String] = []
        for t in traces {
            let trace = String(format: "%032x", t)
            func span(_ id: Int, _ parent: Int?, _ name: String, _ attributes: String, seconds: Int, status: String = "") -> String {
                let p = parent.map { #""parentSpanId": "\#(String(format: "%016x", t * 10 + $0))","# } ?? ""
                return """
                    {"traceId": "\(trace)", "spanId": "\(String(format: "%016x", t * 10 + id))", \(p) "name": "\(name)", \(status)
                     "startTimeUnixNano": "1764400000000000000", "endTimeUnixNano": "\(1_764_400_000 + seconds)000000000", "attributes": [\(attributes)]}
                    """
            }
            func attr(_ k: String, _ v: String) -> String { #"{"key": "\#(k)", "value": {"stringValue": "\#(v)"}}"# }
            let owner = attr("langfuse.observation.metadata.agent", "planner") + "," + attr("langfuse.observation.metadata.stage", "plan")
            spans += [
                span(1, nil, "planner", attr("gen_ai.operation.name", "invoke_agent") + "," + owner, seconds: 3),
                span(
                    2, 1, "chat",
                    [
                        attr("gen_ai.operation.name", "chat"), attr("gen_ai.request.model", "m1"), owner, attr("langfuse.observation.input", "hello \(t)"),
                        attr("langfuse.observation.usage_details", #"{\"input\":10,\"output\":5}"#),
                        attr("langfuse.observation.cost_details", #"{\"total\":0.25}"#),
                    ].joined(separator: ","), seconds: 1),
                span(
                    3, 1, "chat", [attr("gen_ai.operation.name", "chat"), attr("gen_ai.request.model", "m2"), owner].joined(separator: ","),
                    seconds: 2, status: #""status": {"code": 2},"#),
            ]
        }
        let json = #"{"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": ["# + spans.joined(separator: ",") + "]}]}]}"
        return GenAITranslator().translate(try OTLPJSONDecoder().decode(Array(json.utf8)))
    }

    static func rows(_ s: JSONValue, _ table: String) -> [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: (s[table]?.arrayValue ?? []).compactMap { r in r["name"]?.stringValue.map { ($0, r) } })
    }

    @Test func theWindowSumsExactlyAndMovesOn() throws {
        let clock = ManualClock()
        let live = LiveView(window: .seconds(60), clock: clock)
        live.record([try Self.records(traces: 1...4)], redacted: false)
        clock.advance(by: .seconds(20))
        let s = live.summary(counters: Counters())
        #expect(s["spans"] == .int(12) && s["traces"] == .int(4) && s["errors"] == .int(4))
        #expect(s["spans_per_second"]?.numberValue == 12.0 / 20 && s["error_rate"]?.numberValue == 4.0 / 12)
        let models = Self.rows(s, "models")
        #expect(models["m1"]?["tokens"] == .int(60) && models["m1"]?["input_tokens"] == .int(40) && models["m1"]?["output_tokens"] == .int(20))
        #expect(models["m1"]?["cost_usd"]?.numberValue == 1.0 && models["m2"]?["errors"] == .int(4))
        // Four one-second calls in the (0.5, 1] bucket: the median interpolates to its middle.
        #expect(models["m1"]?["p50"]?.numberValue == 0.75, "\(String(describing: models["m1"]))")
        #expect(Self.rows(s, "agents")["planner"]?["observations"] == .int(12) && Self.rows(s, "agents")["planner"]?["cost_usd"]?.numberValue == 1.0)
        #expect(Self.rows(s, "stages")["plan"]?["operations"] == .int(12))
        #expect(s["cost_usd"]?.numberValue == 1.0 && s["tokens"] == .int(60))

        // A minute later the window is empty; the last traces stay.
        clock.advance(by: .seconds(60))
        let later = live.summary(counters: Counters())
        #expect(later["spans"] == .int(0) && later["models"] == .array([]))
        #expect(later["traces_recent"]?.arrayValue?.count == 4)
    }

    @Test func theLastTracesAreNewestFirstAsTreesAndShowInputOnlyAfterRedaction() throws {
        let live = LiveView(window: .seconds(60), clock: ManualClock())
        live.record([try Self.records(traces: 1...30)], redacted: false)
        live.record([try Self.records(traces: 31...60)], redacted: true)
        let recent = live.summary(counters: Counters())["traces_recent"]?.arrayValue ?? []
        #expect(recent.count == 50)
        #expect(recent.first?["id"] == .string(String(format: "%032x", 60)) && recent.last?["id"] == .string(String(format: "%032x", 11)))
        let newest = recent.first?["observations"]?.arrayValue ?? []
        #expect(newest.count == 3 && newest.filter { $0["parent"] == .null }.count == 1)
        #expect(recent.first?["io_shown"] == .bool(true) && newest.contains { $0["input"] == .string("hello 60") })
        let unredacted = recent.first { $0["id"] == .string(String(format: "%032x", 30)) }
        #expect(unredacted?["io_shown"] == .bool(false))
        #expect(unredacted?["observations"]?.arrayValue?.allSatisfy { $0["input"] == nil && $0["output"] == nil } == true)
    }

    @Test func dropsAndQueuesComeFromTheCounters() throws {
        let clock = ManualClock()
        let live = LiveView(window: .seconds(60), clock: clock)
        let counters = Counters()
        counters.add(.droppedSpans, 5, ["exporter": "a", "reason": "queue_full"])
        counters.set(.exporterQueueSize, 7, ["exporter": "a"])
        counters.set(.exporterQueueCapacity, 100, ["exporter": "a"])
        #expect(
            live.summary(counters: counters)["exporters"]
                == .array([
                    .object([
                        JSONMember("name", .string("a")), JSONMember("queue_capacity", .double(100)), JSONMember("queue_size", .double(7)),
                    ])
                ]))
        clock.advance(by: .seconds(10))
        counters.add(.droppedSpans, 20, ["exporter": "a", "reason": "queue_full"])
        let drop = live.summary(counters: counters)["pipeline"]?.arrayValue?.first
        #expect(drop?["reason"] == .string("queue_full") && drop?["total"]?.numberValue == 25 && drop?["per_second"]?.numberValue == 2)
    }
}
