import CollectorCore
import GenAISemantics
import OTLP
import TestSupport
import Testing

/// The semantics layer on its own: a processor reads model, usage, type and environment from a real
/// client's capture with no translator linked into this test target.
@Suite(.timeLimit(.minutes(5)))
struct SpanWalkerTests {
    @Test func readsTheOpenInferenceCapture() throws {
        let batch = try OTLPProtobufDecoder().decode(try FixtureFiles.bytes("openinference_openai_3chats.otlp.pb"))
        var facts: [PricingFacts] = []
        SpanWalker().pricingFacts(batch) { facts.append($0) }
        #expect(facts.map(\.span) == Array(batch.spans.indices))
        let generations = facts.filter { $0.type == .generation }
        #expect(generations.count == 3)
        for g in generations {
            #expect(g.model == "gpt-4o-mini-2024-07-18")
            #expect(g.usage?["input"] == 17 && g.usage?["output"] == 8 && g.usage?["input_cached_tokens"] == 4 && g.usage?["total"] == 29)
            #expect(g.environment == "test")
            #expect(g.providedCost == nil)
        }
    }

    @Test func everySpanIsVisitedOnceWithItsOwnContext() throws {
        let batch = try OTLPJSONDecoder().decode(try FixtureFiles.bytes("synthetic/agent_tree.otlp.json"))
        var seen: [SpanID] = []
        SpanWalker().forEachSpan(batch) { ctx, i in
            #expect(ctx.span.spanID == batch.spans[i].spanID)
            seen.append(ctx.span.spanID)
        }
        #expect(seen.count == batch.spans.count && Set(seen).count == seen.count)
    }
}
