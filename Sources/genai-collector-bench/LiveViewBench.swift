import CollectorCore
import CollectorRuntime
import Foundation
import GenAIMapping
import OTLP
import OTLPSamples
import SwiftProtobuf

/// `--live-view`: what feeding the live view (`/ui`) costs per span, beside translating the same
/// spans (which every exported batch pays already). LLM-shaped requests of 100 spans, translated per
/// request, then handed to the view in batches of 50 requests (5,000 spans), as the batch stage
/// would; then the summary a browser asks for every 3 s. Its share of a core at 50k spans/s is
/// ns per span × 50,000 / 1e9.
enum LiveViewBench {
    static func run(spans total: Int) throws {
        let perRequest = 100
        let requests = max(1, total / perRequest)
        var bodies: [[UInt8]] = []
        for r in 0..<requests { bodies.append(Array(try SampleRequests.llmShaped(spans: perRequest, seed: UInt64(r + 1)).serializedData())) }
        let batches = try bodies.map { try OTLPProtobufDecoder().decode(GroupByTraceBench.fresh($0)) }
        let spans = requests * perRequest
        print("live view: \(spans) LLM-shaped spans in \(requests) requests, handed on in batches of 50 requests")
        var best = (translate: Double.infinity, live: Double.infinity, summary: Double.infinity)
        for _ in 0..<5 {
            var clock = ContinuousClock.now
            let records = batches.map { GenAITranslator().translate($0) }
            best.translate = min(best.translate, GroupByTraceBench.seconds(since: clock))
            let view = LiveView(window: .seconds(300), clock: ContinuousClock())
            clock = ContinuousClock.now
            var i = 0
            while i < records.count {
                view.record(Array(records[i..<min(i + 50, records.count)]), redacted: false)
                i += 50
            }
            best.live = min(best.live, GroupByTraceBench.seconds(since: clock))
            clock = ContinuousClock.now
            let json = JSONWriter.serialize(view.summary(counters: Counters()))
            best.summary = min(best.summary, GroupByTraceBench.seconds(since: clock))
            withExtendedLifetime((records, json)) {}
        }
        let ns = (translate: best.translate * 1e9 / Double(spans), live: best.live * 1e9 / Double(spans))
        print(String(format: "  translate (the reference, paid already): %.0f ns/span", ns.translate))
        print(String(format: "  feed the live view: %.0f ns/span (%.3f of translate)", ns.live, ns.live / ns.translate))
        print(String(format: "  share of one core at 50k spans/s: %.2f%% (goal < 5%%)", ns.live * 50_000 / 1e9 * 100))
        print(
            String(
                format: "  one summary (window of %d spans, 50 traces): %.2f ms; every 3 s: %.3f%% of a core", spans, best.summary * 1e3, best.summary / 3 * 100
            ))
    }
}
