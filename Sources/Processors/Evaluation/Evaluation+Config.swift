import CollectorCore
import Foundation
import GenAISemantics

/// `processors.evaluation`: rule-based evaluators that score observations or whole traces at the
/// edge. Each score is written as a `gen_ai.evaluation.result` event (source `EVAL`) on the span it
/// scores (a trace's root span for a trace score), so every sink gets it as a Langfuse score and
/// forwarded OTLP carries it as the event.
///
/// ```yaml
/// evaluation:
///   evaluators:
///     answer_is_json:          # the score's name
///       rule: json             # regex, contains, json, length, latency, cost, redaction, refusal, tool_error, judge
///       field: output          # input or output (text rules)
///       schema: {type: object, required: [answer]}
///       scope: observation     # or trace (needs groupbytrace before the processor)
///       filter: {types: [generation], models: ["^gpt-4o"]}
///       sampling: 0.5          # of traces, by trace id: the same traces every time
/// ```
public enum Evaluation {
    public static let type = "evaluation"

    public struct Config: Sendable, Equatable {
        public var evaluators: [Evaluator]

        public init(evaluators: [Evaluator]) {
            self.evaluators = evaluators
        }

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            var list = try map.mapOrEmpty("evaluators")
            var out: [Evaluator] = []
            for name in list.keys {
                guard var m = try list.map(name) else { continue }
                out.append(try Evaluator(name: name, &m))
                try m.finish()
            }
            guard !out.isEmpty else { throw ConfigError(map.childPath("evaluators"), "needs at least one evaluator") }
            evaluators = out
        }

        /// Any evaluator of whole traces: the processor then runs on the per-trace buffer.
        public var needsWholeTraces: Bool { evaluators.contains { $0.scope == .trace } }
    }

    public enum Scope: String, Sendable, CaseIterable {
        case observation, trace
    }

    /// Which side of an observation (or of a trace, its root's) a text rule reads.
    public enum Field: String, Sendable, CaseIterable {
        case input, output
    }

    public enum ContainsMode: String, Sendable, CaseIterable {
        /// At least one term is there.
        case any
        /// Every term is there.
        case all
        /// No term is there.
        case none
    }

    public enum LengthUnit: String, Sendable, CaseIterable {
        case characters, words
    }

    /// What a rule checks. Every rule scores BOOLEAN: `True` when the check passes. Those that
    /// measure something (length, latency, cost, redaction) can score the measure instead (NUMERIC).
    public enum Rule: Sendable, Equatable {
        case regex(CompiledPattern, field: Field, mustMatch: Bool)
        case contains([String], field: Field, mode: ContainsMode, caseSensitive: Bool)
        case json(Schema?, field: Field)
        case length(min: Int?, max: Int?, unit: LengthUnit, field: Field)
        case latency(max: Duration)
        case cost(maxUSD: Double)
        /// Passes when nothing on the observation (or trace) was redacted (`redaction.<rule>.count`).
        case redaction
        /// Passes when the text has none of the phrases (compared as `TextFold` folds both).
        case refusal([String], field: Field)
        /// Passes when no tool call failed (a TOOL observation at level ERROR).
        case toolError
        /// An LLM's verdict, asked for off the export path (`JudgeService`).
        case judge(Judge)

        var kind: String {
            switch self {
            case .regex: return "regex"
            case .contains: return "contains"
            case .json: return "json"
            case .length: return "length"
            case .latency: return "latency"
            case .cost: return "cost"
            case .redaction: return "redaction"
            case .refusal: return "refusal"
            case .toolError: return "tool_error"
            case .judge: return "judge"
            }
        }

        var field: Field? {
            switch self {
            case .regex(_, let f, _), .contains(_, let f, _, _), .json(_, let f), .length(_, _, _, let f), .refusal(_, let f): return f
            case .latency, .cost, .redaction, .toolError, .judge: return nil
            }
        }

        var canMeasure: Bool {
            switch self {
            case .length, .latency, .cost, .redaction: return true
            default: return false
            }
        }
    }

    /// A compiled JSON Schema, compared by its source.
    public struct Schema: Sendable, Equatable {
        public let source: JSONValue
        let compiled: JSONSchema

        public init(parsing source: JSONValue, path: String = "schema") throws(ConfigError) {
            try self.init(source, path: path)
        }

        init(_ source: JSONValue, path: String) throws(ConfigError) {
            self.source = source
            compiled = try JSONSchema(source, path: path)
        }

        public static func == (a: Schema, b: Schema) -> Bool { a.source == b.source }
    }

    /// Which observations (or traces) an evaluator looks at; empty lists match everything.
    public struct Filter: Sendable, Equatable {
        public var types: Set<ObservationType> = []
        public var models: [CompiledPattern] = []
        public var names: [CompiledPattern] = []
        public var environments: Set<String> = []
        public var tags: Set<String> = []

        public init() {}

        init(_ m: inout ConfigMap, scope: Scope) throws(ConfigError) {
            for (i, t) in try m.strings("types").enumerated() {
                guard let type = ObservationType(rawValue: t.uppercased()) else {
                    let known = ObservationType.allCases.map { $0.rawValue.lowercased() }.joined(separator: ", ")
                    throw ConfigError("\(m.childPath("types"))[\(i)]", "unknown observation type '\(t)' (known: \(known))")
                }
                types.insert(type)
            }
            for (i, p) in try m.strings("models").enumerated() { models.append(try CompiledPattern(p, path: "\(m.childPath("models"))[\(i)]")) }
            for (i, p) in try m.strings("names").enumerated() { names.append(try CompiledPattern(p, path: "\(m.childPath("names"))[\(i)]")) }
            environments = Set(try m.strings("environments"))
            tags = Set(try m.strings("tags"))
            if scope == .trace, !types.isEmpty || !models.isEmpty {
                throw ConfigError(m.path, "types and models filter observations: a trace-scope evaluator filters by names (the trace's), environments and tags")
            }
        }
    }

    public struct Evaluator: Sendable, Equatable {
        /// The phrases a `refusal` rule looks for when none are configured, as it compares them.
        public static let defaultRefusalPhrases = RefusalPhrases.defaults.map(TextFold.normalized)

        /// The score's name.
        public var name: String
        public let rule: Rule
        /// The terms or phrases of a contains or refusal rule as the text is searched: bytes, folded
        /// unless the match is case-sensitive.
        let needles: [[UInt8]]
        public var scope: Scope
        public var filter: Filter
        /// The share of traces evaluated, chosen by trace id.
        public var sampling: Double
        /// Score the measure (NUMERIC) instead of pass/fail.
        public var measured: Bool

        public init(name: String, rule: Rule, scope: Scope = .observation, filter: Filter = Filter(), sampling: Double = 1, measured: Bool = false) {
            self.name = name
            self.rule = rule
            needles = Self.needles(rule)
            self.scope = scope
            self.filter = filter
            self.sampling = sampling
            self.measured = measured
        }

        init(name: String, _ m: inout ConfigMap) throws(ConfigError) {
            guard !name.isEmpty else { throw ConfigError(m.path, "an evaluator needs a name (its score's name)") }
            self.name = name
            scope = try m.choice("scope", default: Scope.observation)
            let kinds = ["regex", "contains", "json", "length", "latency", "cost", "redaction", "refusal", "tool_error", "judge"]
            let kind = try m.choice("rule", kinds, default: "")
            rule = try Self.rule(kind, &m)
            needles = Self.needles(rule)
            var f = try m.mapOrEmpty("filter")
            filter = try Filter(&f, scope: scope)
            try f.finish()
            sampling = try m.double("sampling", default: 1)
            guard (0...1).contains(sampling) else { throw ConfigError(m.childPath("sampling"), "must be between 0 and 1") }
            let score = try m.choice("score", ["pass_fail", "measured"], default: "pass_fail")
            measured = score == "measured"
            if m.has("score"), case .judge = rule {
                throw ConfigError(m.childPath("score"), "does not apply to a judge: it scores as its judge.data_type says")
            }
            if measured, !rule.canMeasure {
                throw ConfigError(m.childPath("score"), "a \(kind) rule scores pass/fail only (length, latency, cost and redaction can score their measure)")
            }
        }

        static func needles(_ rule: Rule) -> [[UInt8]] {
            switch rule {
            case .contains(let terms, _, _, let caseSensitive): return terms.map { caseSensitive ? Array($0.utf8) : TextFold.folded($0) }
            case .refusal(let phrases, _): return phrases.map(TextFold.folded)
            default: return []
            }
        }

        private static func rule(_ kind: String, _ m: inout ConfigMap) throws(ConfigError) -> Rule {
            func field() throws(ConfigError) -> Field { try m.choice("field", default: Field.output) }
            switch kind {
            case "regex":
                let pattern = try CompiledPattern(try m.requiredString("pattern"), path: m.childPath("pattern"))
                let mode = try m.choice("mode", ["match", "no_match"], default: "match")
                return .regex(pattern, field: try field(), mustMatch: mode == "match")
            case "contains":
                let terms = try m.strings("terms")
                guard !terms.isEmpty, !terms.contains(where: \.isEmpty) else { throw ConfigError(m.childPath("terms"), "needs at least one non-empty term") }
                let caseSensitive = try m.bool("case_sensitive", default: false)
                return .contains(
                    caseSensitive ? terms : terms.map(TextFold.normalized), field: try field(), mode: try m.choice("mode", default: ContainsMode.any),
                    caseSensitive: caseSensitive)
            case "json":
                return .json(try schema(&m), field: try field())
            case "length":
                let min = m.has("min") ? try m.int("min", default: 0) : nil
                let max = m.has("max") ? try m.int("max", default: 0) : nil
                guard min != nil || max != nil else { throw ConfigError(m.path, "a length rule needs min, max or both") }
                if let min, let max, min > max { throw ConfigError(m.childPath("min"), "\(min) is above max \(max)") }
                return .length(min: min, max: max, unit: try m.choice("unit", default: LengthUnit.characters), field: try field())
            case "latency":
                guard m.has("max") else { throw ConfigError(m.childPath("max"), "is required (a duration, e.g. 5s)") }
                return .latency(max: try m.duration("max", default: .zero))
            case "cost":
                guard m.has("max_usd") else { throw ConfigError(m.childPath("max_usd"), "is required (US dollars)") }
                let max = try m.double("max_usd", default: 0)
                guard max >= 0 else { throw ConfigError(m.childPath("max_usd"), "must not be negative") }
                return .cost(maxUSD: max)
            case "redaction":
                return .redaction
            case "refusal":
                let phrases = m.has("phrases") ? try m.strings("phrases") : RefusalPhrases.defaults
                guard !phrases.isEmpty, !phrases.contains(where: \.isEmpty) else {
                    throw ConfigError(m.childPath("phrases"), "needs at least one non-empty phrase")
                }
                return .refusal(phrases.map(TextFold.normalized), field: try field())
            case "tool_error":
                return .toolError
            case "judge":
                guard var j = try m.map("judge") else { throw ConfigError(m.childPath("judge"), "is required (endpoint, model, prompt, ...)") }
                let judge = try Judge(&j)
                try j.finish()
                return .judge(judge)
            default:
                throw ConfigError(
                    m.childPath("rule"), "is required (one of regex, contains, json, length, latency, cost, redaction, refusal, tool_error, judge)")
            }
        }

        /// `schema` (inline) or `schema_file` (a JSON file), or neither (valid JSON is enough).
        private static func schema(_ m: inout ConfigMap) throws(ConfigError) -> Schema? {
            if m.has("schema"), m.has("schema_file") { throw ConfigError(m.path, "give schema or schema_file, not both") }
            if let node = m.node("schema") {
                return try Schema(node.jsonValue, path: m.childPath("schema"))
            }
            guard let path = try m.string("schema_file") else { return nil }
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw ConfigError(m.childPath("schema_file"), "cannot read \(path): \(error.localizedDescription)")
            }
            let value: JSONValue
            do { value = try JSONParser().parse(text) } catch {
                throw ConfigError(m.childPath("schema_file"), "\(path) is not JSON: \(error)")
            }
            return try Schema(value, path: "\(m.childPath("schema_file")) (\(path))")
        }
    }
}

/// Phrases models answer with when they decline.
enum RefusalPhrases {
    static let defaults = [
        "I'm sorry, but I can't", "I am sorry, but I cannot", "I'm sorry, I can't", "I can't help with", "I cannot help with",
        "I can't assist with", "I cannot assist with", "I'm unable to", "I am unable to", "I'm not able to", "I am not able to",
        "I can't provide", "I cannot provide", "I can't comply", "I cannot comply", "I won't be able to", "As an AI language model",
    ]
}

/// Text folded for matching without case: ASCII letters lowercased and typographic apostrophes
/// (U+2018, U+2019) made plain, byte by byte (other letters compare as they are). Done on bytes
/// because String's case and replace operations cost more than the rest of an evaluation.
enum TextFold {
    static func folded(_ s: String) -> [UInt8] {
        var text = s
        return text.withUTF8 { u in
            var out = [UInt8](repeating: 0, count: u.count)
            var n = 0
            var i = 0
            while i < u.count {
                let b = u[i]
                if b >= 0x41 && b <= 0x5A {
                    out[n] = b | 0x20
                } else if b == 0xE2, i + 2 < u.count, u[i + 1] == 0x80, u[i + 2] == 0x98 || u[i + 2] == 0x99 {
                    out[n] = UInt8(ascii: "'")
                    i += 2
                } else {
                    out[n] = b
                }
                n += 1
                i += 1
            }
            out.removeLast(out.count - n)
            return out
        }
    }

    static func normalized(_ s: String) -> String { String(decoding: folded(s), as: UTF8.self) }
}

extension ConfigNode {
    /// The node as JSON: scalars typed as YAML would type them (see `typedScalar`).
    var jsonValue: JSONValue {
        switch self {
        case .null: return .null
        case .sequence(let items): return .array(items.map(\.jsonValue))
        case .mapping(let entries): return .object(entries.map { JSONMember($0.key, $0.value.jsonValue) })
        case .scalar:
            switch typedScalar {
            case .string(let s)?: return .string(s)
            case .bool(let b)?: return .bool(b)
            case .int(let i)?: return .int(i)
            case .double(let d)?: return .double(d)
            case nil: return .null
            }
        }
    }
}
