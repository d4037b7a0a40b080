import CollectorCore
import CollectorRuntime
import ComponentModel
import Foundation
import Processors
import TestSupport
import Testing

/// `processors.evaluation` as a user writes it: every rule decodes, typos and impossible settings are
/// errors that name their key, and a trace-scope evaluator puts the processor on whole traces.
@Suite struct EvaluationConfigTests {
    static func errors(_ evaluators: String, chain: String = "evaluation, batch") -> String {
        TailSamplingTests.chainErrors("groupbytrace: {}, batch: {}, evaluation: {evaluators: {\(evaluators)}}", chain)
    }

    static func config(_ yaml: String) throws -> Evaluation.Config {
        let full = """
            receivers: {otlp: {protocols: {http: {}}}}
            processors: {groupbytrace: {}, evaluation: {evaluators: {\(yaml)}}}
            exporters: {debug: {}}
            service: {pipelines: {traces: {receivers: [otlp], processors: [groupbytrace, evaluation], exporters: [debug]}}}
            """
        let c = try CollectorConfig(try ConfigLoader().load(["yaml:" + full]))
        return try #require(c.processors.values.compactMap { $0.config as? Evaluation.Config }.first)
    }

    @Test func everyRuleDecodes() throws {
        let dir = NSTemporaryDirectory() + "genai-schema-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { removeTestFiles(dir) }
        try Data(#"{"type": "object", "required": ["answer"]}"#.utf8).write(to: URL(fileURLWithPath: dir + "/answer.json"))
        let c = try Self.config(
            """
            cites: {rule: regex, pattern: "\\\\[\\\\d+\\\\]", field: output, mode: match},
            no_ssn: {rule: regex, pattern: "\\\\d{3}-\\\\d{2}-\\\\d{4}", mode: no_match},
            polite: {rule: contains, terms: [please, thanks], mode: all, case_sensitive: true},
            answer_json: {rule: json, schema: {type: object, required: [answer], properties: {answer: {type: integer}}}},
            answer_file: {rule: json, schema_file: "\(dir)/answer.json"},
            brief: {rule: length, max: 200, unit: words, field: input, score: measured},
            fast: {rule: latency, max: 5s, scope: trace, filter: {names: ["^chat"], environments: [production], tags: [vip]}},
            cheap: {rule: cost, max_usd: 0.01, filter: {types: [generation], models: ["^gpt-4o"]}, sampling: 0.25},
            clean: {rule: redaction},
            answered: {rule: refusal, phrases: ["I Can’t"]},
            tools_ok: {rule: tool_error, scope: trace}
            """)
        #expect(
            c.evaluators.map(\.name) == ["cites", "no_ssn", "polite", "answer_json", "answer_file", "brief", "fast", "cheap", "clean", "answered", "tools_ok"])
        #expect(c.evaluators[1].rule == .regex(try CompiledPattern(#"\d{3}-\d{2}-\d{4}"#, path: ""), field: .output, mustMatch: false))
        #expect(c.evaluators[2].rule == .contains(["please", "thanks"], field: .output, mode: .all, caseSensitive: true))
        #expect(
            c.evaluators[3].rule
                == .json(
                    try .init(parsing: JSONParser().parse(#"{"type": "object", "required": ["answer"], "properties": {"answer": {"type": "integer"}}}"#)),
                    field: .output))
        #expect(c.evaluators[4].rule == .json(try .init(parsing: JSONParser().parse(#"{"type": "object", "required": ["answer"]}"#)), field: .output))
        #expect(c.evaluators[5].rule == .length(min: nil, max: 200, unit: .words, field: .input) && c.evaluators[5].measured)
        #expect(c.evaluators[6].scope == .trace && c.evaluators[6].filter.tags == ["vip"] && c.evaluators[6].filter.environments == ["production"])
        #expect(
            c.evaluators[7].filter.types.map(\.rawValue) == ["GENERATION"] && c.evaluators[7].sampling == 0.25 && c.evaluators[7].rule == .cost(maxUSD: 0.01))
        #expect(c.evaluators[9].rule == .refusal(["i can't"], field: .output))
        #expect(c.needsWholeTraces)
    }

    @Test func mistakesAreErrorsThatNameTheirKey() {
        let cases: [(String, String)] = [
            ("a: {rule: regx}", "processors.evaluation.evaluators.a.rule: 'regx' is not one of regex, contains, json"),
            ("a: {}", "processors.evaluation.evaluators.a.rule: is required"),
            ("a: {rule: regex}", "processors.evaluation.evaluators.a.pattern: is required"),
            ("a: {rule: regex, pattern: \"(\"}", "invalid regular expression"),
            ("a: {rule: json, schema: {type: object}, schema_file: x.json}", "give schema or schema_file, not both"),
            (
                "a: {rule: json, schema: {type: object, propertiez: {}}}",
                "processors.evaluation.evaluators.a.schema.propertiez: is not a supported JSON Schema keyword"
            ),
            ("a: {rule: json, schema_file: /nonexistent/s.json}", "processors.evaluation.evaluators.a.schema_file: cannot read /nonexistent/s.json"),
            ("a: {rule: length}", "a length rule needs min, max or both"),
            ("a: {rule: length, min: 5, max: 2}", "5 is above max 2"),
            ("a: {rule: latency}", "processors.evaluation.evaluators.a.max: is required"),
            ("a: {rule: cost, max_usd: -1}", "must not be negative"),
            ("a: {rule: contains, terms: []}", "needs at least one non-empty term"),
            ("a: {rule: regex, pattern: x, score: measured}", "a regex rule scores pass/fail only"),
            ("a: {rule: cost, max_usd: 1, sampling: 1.5}", "processors.evaluation.evaluators.a.sampling: must be between 0 and 1"),
            ("a: {rule: cost, max_usd: 1, filter: {types: [generaton]}}", "unknown observation type 'generaton'"),
            ("a: {rule: cost, max_usd: 1, filter: {modles: [x]}}", "processors.evaluation.evaluators.a.filter.modles: unknown key"),
            ("a: {rule: cost, max_usd: 1, scope: trace, filter: {types: [tool]}}", "types and models filter observations"),
            ("a: {rule: cost, max_usd: 1, feild: input}", "processors.evaluation.evaluators.a.feild: unknown key"),
        ]
        for (yaml, expected) in cases {
            let e = Self.errors(yaml, chain: "groupbytrace, evaluation, batch")
            #expect(e.contains(expected), "\(yaml): \(e)")
        }
        #expect(
            TailSamplingTests.chainErrors("evaluation: {evaluators: {}}", "evaluation").contains(
                "processors.evaluation.evaluators: needs at least one evaluator"))
    }

    /// A judge's settings, its defaults, and its mistakes, each named by its key.
    @Test func aJudgeDecodesAndItsMistakesNameTheirKey() throws {
        let dir = NSTemporaryDirectory() + "genai-judge-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { removeTestFiles(dir) }
        try Data("sk-judge\n".utf8).write(to: URL(fileURLWithPath: dir + "/key"))
        let c = try Self.config(
            """
            relevant: {rule: judge, judge: {endpoint: "http://127.0.0.1:9/v1/", model: gpt-4o-mini, api_key_file: "\(dir)/key",
              prompt: "Q: {{input}} A: {{ output }} ({{metadata.lang}})", min: 0, max: 1, concurrency: 2, rate_per_second: 0.5,
              daily_budget_usd: 3, timeout: 5s, attempts: 2, queue_size: 10, cache_size: 0, output: tool_call}},
            tone: {rule: judge, scope: trace, judge: {endpoint: "https://judge.example/v1", model: m, prompt: "{{output}}",
              data_type: categorical, categories: [calm, angry]}}
            """)
        guard case .judge(let j) = c.evaluators[0].rule, case .judge(let t) = c.evaluators[1].rule else {
            Issue.record("not judges: \(c.evaluators)")
            return
        }
        #expect(j.endpoint == "http://127.0.0.1:9/v1" && j.apiKey == "sk-judge" && j.output == .toolCall && j.min == 0 && j.max == 1)
        #expect(j.concurrency == 2 && j.ratePerSecond == 0.5 && j.dailyBudgetUSD == 3 && j.timeout == .seconds(5) && j.attempts == 2)
        #expect(j.queueSize == 10 && j.cacheSize == 0 && j.readsInput && j.readsOutput)
        #expect(t.dataType == .categorical && t.categories == ["calm", "angry"] && t.apiKey == nil && t.output == .jsonSchema && t.concurrency == 4)
        #expect(!t.readsInput && t.readsOutput && t.dailyBudgetUSD == nil && t.attempts == 3 && t.timeout == .seconds(30))
        #expect(c.needsWholeTraces)
        let ok = "endpoint: \"http://x/v1\", model: m"
        let cases: [(String, String)] = [
            ("a: {rule: judge}", "processors.evaluation.evaluators.a.judge: is required"),
            ("a: {rule: judge, judge: {model: m, prompt: \"{{output}}\"}}", "processors.evaluation.evaluators.a.judge.endpoint: is required"),
            (
                "a: {rule: judge, judge: {endpoint: \"x/v1\", model: m, prompt: \"{{output}}\"}}",
                "judge.endpoint: must be the judge's base URL (e.g. https://api.openai.com/v1): an http:// or https:// URL"
            ),
            ("a: {rule: judge, judge: {\(ok), prompt: \"Is it good?\"}}", "judge.prompt: names no variable"),
            ("a: {rule: judge, judge: {\(ok), prompt: \"{{output}}\", data_type: categorical, categories: [a]}}", "judge.categories: needs at least two"),
            ("a: {rule: judge, judge: {\(ok), prompt: \"{{output}}\", data_type: boolean, max: 1}}", "a boolean judge takes no min, max or categories"),
            ("a: {rule: judge, judge: {\(ok), prompt: \"{{output}}\", min: 1, max: 1}}", "judge.min: 1.0 is not below max 1.0"),
            ("a: {rule: judge, judge: {\(ok), prompt: \"{{output}}\", api_key_file: /nonexistent/k}}", "judge.api_key_file: cannot read /nonexistent/k"),
            ("a: {rule: judge, judge: {\(ok), prompt: \"{{output}}\", concurency: 2}}", "processors.evaluation.evaluators.a.judge.concurency: unknown key"),
            ("a: {rule: judge, judge: {\(ok), prompt: \"{{output}}\", rate_per_second: 0}}", "judge.rate_per_second: must be above 0"),
            ("a: {rule: judge, judge: {\(ok), prompt: \"{{output}}\", output: text}}", "judge.output: 'text' is not one of json_schema, tool_call"),
            ("a: {rule: judge, judge: {\(ok), prompt: \"{{output}}\"}, score: measured}", "evaluators.a.score: does not apply to a judge"),
        ]
        for (yaml, expected) in cases {
            let e = Self.errors(yaml, chain: "groupbytrace, evaluation, batch")
            #expect(e.contains(expected), "\(yaml): \(e)")
        }
    }

    /// Observation evaluators run anywhere; a trace-scope one needs whole traces.
    @Test func aTraceScopeEvaluatorNeedsWholeTraces() {
        let observation = "a: {rule: latency, max: 1s}"
        let trace = "a: {rule: latency, max: 1s, scope: trace}"
        #expect(Self.errors(observation, chain: "evaluation, batch") == "")
        #expect(Self.errors(observation, chain: "batch, evaluation") == "")
        #expect(Self.errors(trace, chain: "groupbytrace, evaluation, batch") == "")
        #expect(Self.errors(trace, chain: "evaluation, batch").contains("evaluation works on whole traces: put a groupbytrace processor before it"))
        #expect(Self.errors(trace, chain: "groupbytrace, batch, evaluation").contains("evaluation must come before batch"))
    }
}
