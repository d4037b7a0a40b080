import CollectorCore
import Foundation

extension Evaluation {
    /// An LLM judge (`rule: judge`): an OpenAI-compatible chat endpoint asked to score an
    /// observation (or a trace's root) from a prompt template, off the export path.
    ///
    /// ```yaml
    /// judge:
    ///   endpoint: https://api.openai.com/v1    # /chat/completions is appended
    ///   model: gpt-4o-mini
    ///   api_key_file: /var/run/secrets/judge/api-key
    ///   prompt: "Is this answer relevant? Question: {{input}} Answer: {{output}}"
    ///   data_type: numeric                     # numeric (min, max), boolean, categorical (categories)
    ///   output: json_schema                    # or tool_call
    ///   concurrency: 4                         # calls in flight
    ///   rate_per_second: 5
    ///   daily_budget_usd: 10                   # priced by the catalog; then jobs are counted, not run
    /// ```
    public struct Judge: Sendable, Equatable {
        public enum DataType: String, Sendable, CaseIterable {
            case numeric, boolean, categorical
        }

        /// How the model is asked to answer: a JSON-schema response format, or a forced tool call.
        public enum Output: String, Sendable, CaseIterable {
            case jsonSchema = "json_schema"
            case toolCall = "tool_call"
        }

        /// The base URL, without a trailing slash.
        public var endpoint: String
        public var model: String
        /// Read from `api_key_file` when the config is decoded; never logged.
        public var apiKey: String?
        public var prompt: String
        public var dataType: DataType
        public var min: Double?
        public var max: Double?
        public var categories: [String]
        public var output: Output
        public var concurrency: Int
        public var ratePerSecond: Double
        public var dailyBudgetUSD: Double?
        public var timeout: Duration
        /// Tries per job, the first included, for 429s, 5xx answers and failed connections.
        public var attempts: Int
        public var queueSize: Int
        public var cacheSize: Int
        public var temperature: Double
        /// The names the prompt's `{{...}}` placeholders hold.
        let variables: Set<String>

        public init(
            endpoint: String, model: String, prompt: String, apiKey: String? = nil, dataType: DataType = .numeric, min: Double? = nil,
            max: Double? = nil, categories: [String] = [], output: Output = .jsonSchema, concurrency: Int = 4, ratePerSecond: Double = 10,
            dailyBudgetUSD: Double? = nil, timeout: Duration = .seconds(30), attempts: Int = 3, queueSize: Int = 1000, cacheSize: Int = 10000,
            temperature: Double = 0
        ) {
            self.endpoint = endpoint
            self.model = model
            self.prompt = prompt
            self.apiKey = apiKey
            self.dataType = dataType
            self.min = min
            self.max = max
            self.categories = categories
            self.output = output
            self.concurrency = concurrency
            self.ratePerSecond = ratePerSecond
            self.dailyBudgetUSD = dailyBudgetUSD
            self.timeout = timeout
            self.attempts = attempts
            self.queueSize = queueSize
            self.cacheSize = cacheSize
            self.temperature = temperature
            variables = JudgeVariables.names(in: prompt)
        }

        init(_ m: inout ConfigMap) throws(ConfigError) {
            endpoint = try m.baseURL("endpoint", what: "the judge's base URL (e.g. https://api.openai.com/v1)")
            model = try m.requiredString("model")
            prompt = try m.requiredString("prompt")
            guard !JudgeVariables.names(in: prompt).isEmpty else {
                throw ConfigError(m.childPath("prompt"), "names no variable ({{input}}, {{output}}, {{expected}} or {{metadata.KEY}})")
            }
            if let path = try m.string("api_key_file") {
                do {
                    apiKey = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                } catch {
                    throw ConfigError(m.childPath("api_key_file"), "cannot read \(path): \(error.localizedDescription)")
                }
            }
            dataType = try m.choice("data_type", default: DataType.numeric)
            min = m.has("min") ? try m.double("min", default: 0) : nil
            max = m.has("max") ? try m.double("max", default: 0) : nil
            categories = try m.strings("categories")
            switch dataType {
            case .numeric:
                if let min, let max, min >= max { throw ConfigError(m.childPath("min"), "\(min) is not below max \(max)") }
                if !categories.isEmpty { throw ConfigError(m.childPath("categories"), "is for data_type categorical") }
            case .boolean:
                if min != nil || max != nil || !categories.isEmpty {
                    throw ConfigError(m.path, "a boolean judge takes no min, max or categories")
                }
            case .categorical:
                guard categories.count >= 2, Set(categories).count == categories.count, !categories.contains(where: \.isEmpty) else {
                    throw ConfigError(m.childPath("categories"), "needs at least two distinct, non-empty categories")
                }
                if min != nil || max != nil { throw ConfigError(m.path, "a categorical judge takes no min or max") }
            }
            output = try m.choice("output", default: Output.jsonSchema)
            concurrency = try m.int("concurrency", default: 4, range: 1...256)
            ratePerSecond = try m.double("rate_per_second", default: 10)
            guard ratePerSecond > 0 else { throw ConfigError(m.childPath("rate_per_second"), "must be above 0") }
            dailyBudgetUSD = m.has("daily_budget_usd") ? try m.double("daily_budget_usd", default: 0) : nil
            if let b = dailyBudgetUSD, b < 0 { throw ConfigError(m.childPath("daily_budget_usd"), "must not be negative") }
            timeout = try m.duration("timeout", default: .seconds(30))
            guard timeout > .zero else { throw ConfigError(m.childPath("timeout"), "must be above 0") }
            attempts = try m.int("attempts", default: 3, range: 1...10)
            queueSize = try m.int("queue_size", default: 1000, range: 1...1_000_000)
            cacheSize = try m.int("cache_size", default: 10000, range: 0...10_000_000)
            temperature = try m.double("temperature", default: 0)
            variables = JudgeVariables.names(in: prompt)
        }

        public var readsInput: Bool { variables.contains("input") }
        public var readsOutput: Bool { variables.contains("output") }

        /// The JSON schema of the answer: reasoning first, so the model reasons before it scores.
        var answerSchema: JSONValue {
            var score: [JSONMember]
            switch dataType {
            case .numeric:
                score = [JSONMember("type", .string("number"))]
                let range = [min.map { "at least \(JSONWriter.javaScriptNumber($0))" }, max.map { "at most \(JSONWriter.javaScriptNumber($0))" }]
                    .compactMap { $0 }
                score.append(JSONMember("description", .string(range.isEmpty ? "The score." : "The score, \(range.joined(separator: " and ")).")))
            case .boolean:
                score = [JSONMember("type", .string("boolean")), JSONMember("description", .string("Whether the criterion is met."))]
            case .categorical:
                score = [
                    JSONMember("type", .string("string")), JSONMember("enum", .array(categories.map(JSONValue.string))),
                    JSONMember("description", .string("The one category that applies.")),
                ]
            }
            return .object([
                JSONMember("type", .string("object")),
                JSONMember(
                    "properties",
                    .object([
                        JSONMember(
                            "reasoning", .object([JSONMember("type", .string("string")), JSONMember("description", .string("Why, in a sentence or two."))])),
                        JSONMember("score", .object(score)),
                    ])),
                JSONMember("required", .array([.string("reasoning"), .string("score")])),
                JSONMember("additionalProperties", .bool(false)),
            ])
        }
    }
}
