import CollectorCore
import CollectorRuntime
import Foundation
import GenAIMapping
import OTLP
import OTLPProto
import OTLPSamples
import Processors
import SwiftProtobuf

/// `--evaluation`: what the rule evaluators of `pipelines/gateway-evaluation.yaml` cost per span,
/// beside translating the same spans (which every exported batch pays already). LLM-shaped requests
/// of 4 spans making one trace (a root and three model calls), priced first (so the cost rule has
/// costs), each handed to the processor in one call, as the gateway hands it each whole trace. Its
/// share of a core at 50k spans/s is ns per span × 50,000 / 1e9.
enum EvaluationBench {
    static func run(spans total: Int, config path: String) throws {
        let node = try ConfigLoader().load([path])
        guard case .mapping(let top) = node, case .mapping(let processors)? = top.last(where: { $0.key == "processors" })?.value,
            let section = processors.last(where: { $0.key == "evaluation" })?.value
        else { throw ConfigError(path, "has no processors.evaluation") }
        var map = try ConfigMap(section, path: "processors.evaluation")
        let config = try Evaluation.Config(&map)
        try map.finish()
        let processor = EvaluationProcessor(config: config)
        let perRequest = 4
        let requests = max(1, total / perRequest)
        let cost = CostInferenceProcessor(config: .init())
        var batches: [TraceBatch] = []
        for r in 0..<requests {
            // The request's spans made one trace (a root and three calls under it).
            var request = SampleRequests.llmShaped(spans: perRequest, seed: UInt64(r + 1))
            let spans = request.resourceSpans[0].scopeSpans[0].spans
            for i in spans.indices {
                request.resourceSpans[0].scopeSpans[0].spans[i].traceID = spans[0].traceID
                if i > 0 { request.resourceSpans[0].scopeSpans[0].spans[i].parentSpanID = spans[0].spanID }
            }
            var b = try OTLPProtobufDecoder().decode(Array(try request.serializedData()))
            _ = cost.process(&b)
            batches.append(b)
        }
        let spans = requests * perRequest
        print("evaluation: \(config.evaluators.count) evaluators of \(path) over \(spans) LLM-shaped spans in \(requests) calls")
        var best = (translate: Double.infinity, evaluate: Double.infinity)
        var scores = 0
        for _ in 0..<5 {
            var clock = ContinuousClock.now
            let records = batches.map { GenAITranslator().translate($0) }
            best.translate = min(best.translate, GroupByTraceBench.seconds(since: clock))
            // Owned copies, as the gateway's per-trace stage holds them once an earlier stage
            // (agent_attribution) has written: no copy-on-write is charged to the evaluator.
            var work = batches.map { TraceBatch.concatenating([$0, TraceBatch()]) }
            clock = ContinuousClock.now
            var n = 0
            for r in work.indices {
                var parts = [work[r]]
                n += processor.process(trace: &parts)["scores"]
                work[r] = parts[0]
            }
            best.evaluate = min(best.evaluate, GroupByTraceBench.seconds(since: clock))
            scores = n
            withExtendedLifetime((records, work)) {}
        }
        let ns = (translate: best.translate * 1e9 / Double(spans), evaluate: best.evaluate * 1e9 / Double(spans))
        print(String(format: "  scores written per round: %d (%.2f per span)", scores, Double(scores) / Double(spans)))
        print(String(format: "  translate (the reference, paid already): %.0f ns/span", ns.translate))
        print(String(format: "  evaluate: %.0f ns/span (%.3f of translate)", ns.evaluate, ns.evaluate / ns.translate))
        print(String(format: "  share of one core at 50k spans/s: %.2f%%", ns.evaluate * 50_000 / 1e9 * 100))
    }
}
