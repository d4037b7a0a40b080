import Foundation
import CollectorCore
import GenAIMapping
import OTLP
import Processors
import Testing

/// Cost inference against hand-computed expectations (prices are USD per token, from the catalog).
@Suite(.timeLimit(.minutes(5)))
struct CostInferenceTests {
    static func chat(_ model: String, input: Int, output: Int, extra: [(String, String)] = []) -> [(String, String)] {
        [
            ("gen_ai.operation.name", "chat"), ("gen_ai.request.model", model),
            ("gen_ai.usage.input_tokens", String(input)), ("gen_ai.usage.output_tokens", String(output)),
        ] + extra
    }

    /// The cost the processor wrote on span `i`, by key.
    func cost(_ b: TraceBatch, _ i: Int) -> [String: Double]? {
        guard let text = value(b, span: i, "langfuse.observation.cost_details"),
            case .object(let members)? = JSONParser.parseIfJSON(text)
        else { return nil }
        return Dictionary(uniqueKeysWithValues: members.map { ($0.key, $0.value.numberValue ?? .nan) })
    }

    func expectClose(_ got: [String: Double]?, _ want: [String: Double], _ comment: Comment) {
        guard let got else { Issue.record("no cost: \(comment)"); return }
        #expect(Set(got.keys) == Set(want.keys), comment)
        for (k, v) in want { #expect(abs((got[k] ?? .nan) - v) <= 1e-12, "\(comment) \(k): \(got[k] ?? .nan) vs \(v)") }
    }

    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let attributes: [(String, String)]
        let cost: [String: Double]
        let model: String
        let tier: String
        var description: String { name }
    }

    static let cases: [Case] = [
        // 1000 × 2.5e-6 + 500 × 1e-5
        Case(
            name: "openai plain", attributes: chat("gpt-4o", input: 1000, output: 500),
            cost: ["input": 0.0025, "output": 0.005, "total": 0.0075], model: "gpt-4o", tier: "Standard"),
        // Provider prefix and case: the pattern matches `openai/GPT-4o`.
        Case(
            name: "provider prefix", attributes: chat("openai/GPT-4o", input: 1000, output: 0),
            cost: ["input": 0.0025, "output": 0, "total": 0.0025], model: "gpt-4o", tier: "Standard"),
        // Cached input is split out of input (1000 - 400 = 600 at 2.5e-6; 400 at 1.25e-6).
        Case(
            name: "openai cached", attributes: chat("gpt-4o", input: 1000, output: 100, extra: [("gen_ai.usage.cache_read.input_tokens", "400")]),
            cost: ["input": 0.0015, "input_cached_tokens": 0.0005, "output": 0.001, "total": 0.003], model: "gpt-4o", tier: "Standard"),
        // Reasoning split out of output (300 - 200 = 100 at 8e-6; 200 at 8e-6).
        Case(
            name: "reasoning", attributes: chat("o3", input: 100, output: 300, extra: [("gen_ai.usage.reasoning.output_tokens", "200")]),
            cost: ["input": 0.0002, "output": 0.0008, "output_reasoning_tokens": 0.0016, "total": 0.0026], model: "o3", tier: "Standard"),
        // service_tier=flex: the Flex tier (gpt-5 input 6.25e-7, output 5e-6).
        Case(
            name: "flex tier", attributes: chat("gpt-5", input: 2000, output: 1000, extra: [("gen_ai.request.service_tier", "flex")]),
            cost: ["input": 0.00125, "output": 0.005, "total": 0.00625], model: "gpt-5", tier: "Flex"),
        // service_tier=priority: the Fast mode tier.
        Case(
            name: "priority tier", attributes: chat("gpt-5", input: 2000, output: 1000, extra: [("gen_ai.request.service_tier", "priority")]),
            cost: ["input": 0.005, "output": 0.02, "total": 0.025], model: "gpt-5", tier: "Fast mode"),
        // Anthropic cache creation (3.75e-6) and read (3e-7); Bedrock's regional model id matches.
        Case(
            name: "anthropic cache",
            attributes: chat(
                "us.anthropic.claude-sonnet-4-20250514-v1:0", input: 10000, output: 1000,
                extra: [("gen_ai.usage.cache_creation.input_tokens", "2000"), ("gen_ai.usage.cache_read.input_tokens", "4000")]),
            cost: ["input": 0.012, "input_cache_creation": 0.0075, "input_cached_tokens": 0.0012, "output": 0.015, "total": 0.0357],
            model: "claude-sonnet-4-20250514", tier: "Standard"),
        // Over 200k input tokens: gemini-2.5-pro's Large Context tier (2.5e-6 / 1.5e-5).
        Case(
            name: "large context tier", attributes: chat("gemini-2.5-pro", input: 250_000, output: 1000),
            cost: ["input": 0.625, "output": 0.015, "total": 0.64], model: "gemini-2.5-pro", tier: "Large Context"),
        // At 200k exactly the default tier (gt, not gte).
        Case(
            name: "tier threshold", attributes: chat("gemini-2.5-pro", input: 200_000, output: 1000),
            cost: ["input": 0.25, "output": 0.01, "total": 0.26], model: "gemini-2.5-pro", tier: "Standard"),
        // An embedding model priced by total only: 5000 × 2e-8.
        Case(
            name: "total price",
            attributes: [
                ("gen_ai.operation.name", "embeddings"), ("gen_ai.request.model", "text-embedding-3-small"),
                ("gen_ai.usage.input_tokens", "5000"),
            ],
            cost: ["total": 0.0001], model: "text-embedding-3-small", tier: "Standard"),
    ]

    @Test(arguments: cases)
    func pricesAsComputedByHand(_ c: Case) throws {
        let p = CostInferenceProcessor(config: .init())
        var b = try batch([c.attributes], events: true)
        let outcome = p.process(&b)
        #expect(outcome["priced"] == 1, "\(outcome.counts)")
        expectClose(cost(b, 0), c.cost, "\(c.name)")
        #expect(value(b, span: 0, CollectorAttributeKey.costModel) == c.model)
        #expect(value(b, span: 0, CollectorAttributeKey.costTier) == c.tier)
        // The translator picks the written cost up as the observation's cost.
        let o = GenAITranslator().translate(b).observations[0]
        #expect(abs((o.costDetails?["total"] ?? -1) - c.cost["total"]!) <= 1e-12)
    }

    /// Langfuse's own model and tier ids travel with the match, for rows that link to them.
    @Test func langfuseIDsAreRecorded() throws {
        var b = try batch([
            Self.chat("gpt-4o", input: 10, output: 10), Self.chat("gpt-4o", input: 10, output: 10, extra: [("gen_ai.request.service_tier", "priority")]),
        ])
        _ = CostInferenceProcessor(config: .init()).process(&b)
        #expect(value(b, span: 0, CollectorAttributeKey.costModelID) == "b9854a5c92dc496b997d99d20")
        #expect(value(b, span: 0, CollectorAttributeKey.costTierID) == "b9854a5c92dc496b997d99d20_tier_default")
        #expect(value(b, span: 1, CollectorAttributeKey.costTierID) == "ba3b2121-9c68-4333-af3b-26f98fbab7ee")
    }

    /// Reasoning is priced under both names: `output_reasoning_tokens` (the conventions' bucket) and
    /// `output_reasoning` (Genkit's), so a Gemini call through Genkit costs its thoughts too.
    @Test(arguments: ["output_reasoning_tokens", "output_reasoning"])
    func reasoningIsPricedUnderBothNames(_ key: String) throws {
        let model = try #require(PriceCatalog.builtin.match("gemini-2.5-flash"))
        let cost = try #require(CostInferenceProcessor.cost(usage: UsageDetails([("input", 100), ("output", 10), (key, 40)]), prices: model.prices))
        // 100 × 3e-7 + 10 × 2.5e-6 + 40 × 2.5e-6
        expectClose(Dictionary(uniqueKeysWithValues: cost.pairs), ["input": 3e-5, "output": 2.5e-5, key: 1e-4, "total": 1.55e-4], "\(key)")
    }

    @Test func theCatalogHasEveryModel() {
        #expect(PriceCatalog.builtin.models.count == 167)
        #expect(PriceCatalog.builtin.match("gpt-4o-mini")?.name == "gpt-4o-mini")
        #expect(PriceCatalog.builtin.match("GPT-4O-MINI")?.name == "gpt-4o-mini")
        #expect(PriceCatalog.builtin.match("gpt-4o-mini-extra") == nil)  // anchored patterns
    }

    @Test func providedCostWinsUnlessRecomputed() throws {
        let attrs = Self.chat("gpt-4o", input: 1000, output: 500, extra: [("gen_ai.usage.cost", "0.5")])
        var kept = try batch([attrs])
        let keep = CostInferenceProcessor(config: .init()).process(&kept)
        #expect(keep["provided_kept"] == 1 && keep["priced"] == 0)
        #expect(value(kept, span: 0, "langfuse.observation.cost_details") == nil)
        #expect(GenAITranslator().translate(kept).observations[0].costDetails?["total"] == 0.5)

        var recomputed = try batch([attrs])
        let outcome = CostInferenceProcessor(config: .init(providedCost: .recompute)).process(&recomputed)
        #expect(outcome["priced"] == 1)
        expectClose(cost(recomputed, 0), ["input": 0.0025, "output": 0.005, "total": 0.0075], "recomputed")
        #expect(abs((GenAITranslator().translate(recomputed).observations[0].costDetails?["total"] ?? 0) - 0.0075) <= 1e-12)
    }

    /// OpenLIT reports `gen_ai.usage.cost = 0` for every model its price list lacks.
    @Test func anAllZeroProvidedCostIsPricedOverUnlessKept() throws {
        let attrs = Self.chat("gpt-4o", input: 1000, output: 500, extra: [("gen_ai.usage.cost", "0")])
        var priced = try batch([attrs])
        let outcome = CostInferenceProcessor(config: .init()).process(&priced)
        #expect(outcome["priced_over_zero"] == 1 && outcome["priced"] == 0 && outcome["provided_kept"] == 0)
        expectClose(cost(priced, 0), ["input": 0.0025, "output": 0.005, "total": 0.0075], "over zero")
        #expect(abs((GenAITranslator().translate(priced).observations[0].costDetails?["total"] ?? 0) - 0.0075) <= 1e-12)

        var kept = try batch([attrs])
        let keep = CostInferenceProcessor(config: .init(providedCost: .keep)).process(&kept)
        #expect(keep["provided_kept"] == 1 && keep["priced_over_zero"] == 0)
        #expect(value(kept, span: 0, "langfuse.observation.cost_details") == nil)
        #expect(GenAITranslator().translate(kept).observations[0].costDetails?["total"] == 0)
    }

    @Test func unknownModelsAreCountedByNameAndGetNoCost() throws {
        var b = try batch([
            Self.chat("acme-llm-7b", input: 10, output: 10), Self.chat("acme-llm-7b", input: 1, output: 1),
            [("gen_ai.request.model", "gpt-4o")], [("other", "x")],
        ])
        let outcome = CostInferenceProcessor(id: "cost_inference/main", config: .init()).process(&b)
        #expect(outcome["unknown_model"] == 2 && outcome["no_usage"] == 1 && outcome["no_model"] == 1)
        #expect(outcome.metrics[Counters.Key(.costUnknownModelSpans, ["processor": "cost_inference/main", "model": "acme-llm-7b"])] == 2)
        #expect(cost(b, 0) == nil && cost(b, 2) == nil)
    }

    /// At most 100 model names become labels; the 101st name on is counted under `other`, so a client
    /// that invents names cannot grow /metrics without bound.
    @Test func unknownModelLabelsAreCappedAtAHundred() throws {
        var b = try batch((0..<150).map { Self.chat("made-up-model-\($0)", input: 1, output: 1) })
        let outcome = CostInferenceProcessor(id: "c", config: .init()).process(&b)
        let labels = outcome.metrics.keys.filter { $0.metric == .costUnknownModelSpans }.compactMap { $0.labels["model"] }
        #expect(Set(labels).count == 101)
        #expect(outcome.metrics[Counters.Key(.costUnknownModelSpans, ["processor": "c", "model": "other"])] == 50)
        #expect(outcome.metrics[Counters.Key(.costUnknownModelSpans, ["processor": "c", "model": "made-up-model-99"])] == 1)
        #expect(outcome.metrics[Counters.Key(.costUnknownModelSpans, ["processor": "c", "model": "made-up-model-100"])] == nil)
        #expect(outcome.metrics[Counters.Key(.labelOverflow, ["label": "model"])] == 50, "each replacement by other is counted")
    }

    func config(_ entries: [ConfigEntry]) throws -> CostInferenceProcessor.Config {
        try decodeConfig(entries, path: "processors.cost_inference") { (m) throws(ConfigError) in try CostInferenceProcessor.Config(&m) }
    }

    static func s(_ text: String) -> ConfigNode { plain(text) }

    /// An in-house model added inline, and an override of a built-in price, both winning over the catalog.
    @Test func inlineModelsOverrideTheCatalog() throws {
        let c = try config([
            ConfigEntry(
                "models",
                .sequence([
                    .mapping([
                        ConfigEntry("model_name", Self.s("acme-llm")), ConfigEntry("match_pattern", Self.s("(?i)^acme-llm(-\\d+b)?$")),
                        ConfigEntry("prices_per_unit", .mapping([ConfigEntry("input", Self.s("1e-6")), ConfigEntry("output", Self.s("2e-6"))])),
                    ]),
                    .mapping([
                        ConfigEntry("model_name", Self.s("gpt-4o-negotiated")), ConfigEntry("match_pattern", Self.s("^gpt-4o$")),
                        ConfigEntry("prices_per_unit", .mapping([ConfigEntry("input", Self.s("1e-6")), ConfigEntry("output", Self.s("1e-6"))])),
                    ]),
                ]))
        ])
        #expect(c.catalog.models.count == 169)
        var b = try batch([Self.chat("acme-llm-7b", input: 1000, output: 1000), Self.chat("gpt-4o", input: 1000, output: 1000)])
        let outcome = CostInferenceProcessor(config: c).process(&b)
        #expect(outcome["priced"] == 2)
        expectClose(cost(b, 0), ["input": 0.001, "output": 0.002, "total": 0.003], "inline model")
        expectClose(cost(b, 1), ["input": 0.001, "output": 0.001, "total": 0.002], "override")
        #expect(value(b, span: 1, CollectorAttributeKey.costModel) == "gpt-4o-negotiated")
    }

    @Test func aPriceFileIsReadByTheSameLoader() throws {
        let path = "/tmp/genai-prices-\(UInt64.random(in: 0...UInt64.max)).json"
        try
            #"{"models":[{"model_name":"acme","match_pattern":"^acme$","prices_per_unit":{"input":0.001,"output":0.002},"pricing_tiers":[{"name":"Batch","priority":1,"conditions":[{"source":"metadata","key":"mode","operator":"in","values":["batch"]}],"prices_per_unit":{"input":0.0005,"output":0.001}}]}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try config([ConfigEntry("builtin_prices", Self.s("false")), ConfigEntry("price_file", Self.s(path))])
        #expect(c.catalog.models.count == 1)
        var b = try batch([
            Self.chat("acme", input: 10, output: 10),
            Self.chat("acme", input: 10, output: 10, extra: [("langfuse.observation.metadata.mode", "batch")]),
        ])
        _ = CostInferenceProcessor(config: c).process(&b)
        expectClose(cost(b, 0), ["input": 0.01, "output": 0.02, "total": 0.03], "default tier")
        expectClose(cost(b, 1), ["input": 0.005, "output": 0.01, "total": 0.015], "metadata tier")
        #expect(value(b, span: 1, CollectorAttributeKey.costTier) == "Batch")
    }

    @Test(
        arguments: [
            (
                [ConfigEntry("provided_cost", s("sometimes"))],
                "processors.cost_inference.provided_cost: 'sometimes' is not one of keep_nonzero, keep, recompute"
            ),
            (
                [ConfigEntry("builtin_prices", s("false"))],
                "processors.cost_inference: no prices: builtin_prices is false and neither price_file nor models is given"
            ),
            (
                [
                    ConfigEntry(
                        "models",
                        .sequence([
                            .mapping([
                                ConfigEntry("model_name", s("x")), ConfigEntry("match_pattern", s("(")),
                                ConfigEntry("prices_per_unit", .mapping([])),
                            ])
                        ]))
                ], "processors.cost_inference.models[0].match_pattern: invalid regular expression"
            ),
            (
                [
                    ConfigEntry(
                        "models",
                        .sequence([
                            .mapping([
                                ConfigEntry("model_name", s("x")), ConfigEntry("match_pattern", s("^x$")),
                                ConfigEntry("prices_per_unit", .mapping([ConfigEntry("input", s("-1"))])),
                            ])
                        ]))
                ],
                "processors.cost_inference.models[0].prices_per_unit.input: a price must be a non-negative number"
            ),
            (
                [
                    ConfigEntry(
                        "models",
                        .sequence([
                            .mapping([
                                ConfigEntry("model_name", s("x")), ConfigEntry("match_pattern", s("^x$")), ConfigEntry("price", s("1")),
                                ConfigEntry("prices_per_unit", .mapping([])),
                            ])
                        ]))
                ], "processors.cost_inference.models[0].price: unknown key"
            ),
            ([ConfigEntry("price_file", s("/nonexistent/prices.json"))], "processors.cost_inference.price_file: cannot read /nonexistent/prices.json"),
        ] as [([ConfigEntry], String)])
    func configMistakesNameTheirPath(_ entries: [ConfigEntry], _ message: String) throws {
        expectRefused(message) { _ = try config(entries) }
    }
}
