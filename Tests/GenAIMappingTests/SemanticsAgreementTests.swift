import CollectorCore
import GenAIMapping
import OTLP
import TestSupport
import Testing

/// cost_inference reads spans through the semantics layer alone, never the translator. What it reads
/// must be what the exported observation carries, span by span, or the priced model is not the
/// exported one.
@Suite(.timeLimit(.minutes(5)))
struct SemanticsAgreementTests {
    static let fixtures = FixtureFiles.captures.map { $0 + ".otlp.pb" } + GoldenTests.synthetic.map { "synthetic/\($0).otlp.json" }

    @Test(arguments: fixtures)
    func pricingFactsAreTheObservationsFields(_ file: String) throws {
        let bytes = try FixtureFiles.bytes(file)
        let batch = file.hasSuffix(".pb") ? try OTLPProtobufDecoder().decode(bytes) : try OTLPJSONDecoder().decode(bytes)
        let observations = GenAITranslator().translate(batch).observations
        var facts: [PricingFacts] = []
        SpanWalker().pricingFacts(batch) { facts.append($0) }
        try #require(facts.count == batch.spans.count && observations.count == batch.spans.count)
        for (f, o) in zip(facts, observations) {
            #expect(batch.spans[f.span].spanID == o.id)
            #expect(f.type == o.type && f.environment == o.environment, "\(o.name)")
            #expect(f.model == o.model && f.modelParameters == o.modelParameters, "\(o.name)")
            #expect(f.usage == o.usageDetails && f.providedCost == o.costDetails, "\(o.name)")
        }
        // The fixtures must exercise what is compared, or the agreement is empty.
        if file.hasPrefix("openinference_openai") { #expect(facts.filter { $0.model != nil && $0.usage != nil }.count == 3) }
    }
}
