import CollectorCore
import Foundation

/// What a judge is shown: the template's variables as text.
struct JudgeVariables: Sendable {
    var input: String?
    var output: String?
    /// `expected` (or `expected_output`) from the metadata, as experiment runs record it.
    var expected: String?
    var metadata: [JSONMember] = []

    init(input: String?, output: String?, metadata: [JSONMember]) {
        self.input = input
        self.output = output
        self.metadata = metadata
        let e = metadata.first { $0.key == "expected" || $0.key == "expected_output" }?.value
        expected = e.flatMap(Self.text)
    }

    static func text(_ v: JSONValue) -> String? {
        switch v {
        case .null: return nil
        case .string(let s): return s
        default: return JSONWriter.serialize(v)
        }
    }

    /// The placeholder names of a template, spaces trimmed.
    static func names(in template: String) -> Set<String> {
        var out: Set<String> = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            out.insert(trimmed(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return out
    }

    static func trimmed(_ s: Substring) -> String {
        String(s.trimmingPrefix(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    /// `{{ name }}` replaced by its text (an absent value by nothing); an unknown name is left as
    /// written, so a typo shows in the judge's own span.
    func render(_ template: String) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            if case .some(let value) = value(Self.trimmed(rest[open.upperBound..<close.lowerBound])) {
                out += value ?? ""
            } else {
                out += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    private func value(_ name: String) -> String?? {
        switch name {
        case "input": return .some(input ?? "")
        case "output": return .some(output ?? "")
        case "expected": return .some(expected ?? "")
        default:
            guard name.hasPrefix("metadata.") else { return nil }
            let key = name.dropFirst("metadata.".count)
            return .some(metadata.first { $0.key == key }.flatMap { Self.text($0.value) } ?? "")
        }
    }
}

/// One judge verdict, as parsed from the model's answer.
struct JudgeVerdict: Sendable, Equatable {
    var value: Double?
    var label: String?
    var reasoning: String
}

/// The model's answer: the verdict, the tokens it took, and the model that answered.
struct JudgeAnswer: Sendable {
    var verdict: JudgeVerdict
    var inputTokens: Int
    var outputTokens: Int
    var model: String?
    /// The answer's text (the JSON the verdict was read from), for the judge's own span.
    var text: String
}

extension Evaluation.Judge {
    /// The chat completion request for one prompt.
    func requestBody(prompt: String) -> [UInt8] {
        var members = [
            JSONMember("model", .string(model)),
            JSONMember("temperature", .double(temperature)),
            JSONMember("messages", .array([.object([JSONMember("role", .string("user")), JSONMember("content", .string(prompt))])])),
        ]
        switch output {
        case .jsonSchema:
            members.append(
                JSONMember(
                    "response_format",
                    .object([
                        JSONMember("type", .string("json_schema")),
                        JSONMember(
                            "json_schema",
                            .object([JSONMember("name", .string("score")), JSONMember("strict", .bool(true)), JSONMember("schema", answerSchema)])),
                    ])))
        case .toolCall:
            let function = JSONMember(
                "function",
                .object([
                    JSONMember("name", .string("score")), JSONMember("description", .string("Records the score and the reasoning behind it.")),
                    JSONMember("parameters", answerSchema),
                ]))
            members.append(JSONMember("tools", .array([.object([JSONMember("type", .string("function")), function])])))
            members.append(
                JSONMember(
                    "tool_choice", .object([JSONMember("type", .string("function")), JSONMember("function", .object([JSONMember("name", .string("score"))]))])))
        }
        return Array(JSONWriter.serialize(.object(members)).utf8)
    }

    /// Reads a chat completion answer; the error says what is wrong with it (a malformed answer is
    /// not retried: the same prompt would most likely get the same answer).
    func parse(_ body: [UInt8]) -> Result<JudgeAnswer, JudgeFailure> {
        let root: JSONValue
        do { root = try JSONParser().parse(String(decoding: body, as: UTF8.self)) } catch {
            return .failure(.malformed("the answer is not JSON: \(error)"))
        }
        guard case .array(let choices)? = root["choices"], let message = choices.first?["message"] else {
            return .failure(.malformed("the answer has no choices[0].message"))
        }
        let text: String?
        switch output {
        case .jsonSchema:
            text = message["content"]?.stringValue
        case .toolCall:
            if case .array(let calls)? = message["tool_calls"] {
                text = calls.first?["function"]?["arguments"]?.stringValue
            } else {
                text = nil
            }
        }
        guard let text else {
            return .failure(.malformed(output == .jsonSchema ? "the message has no content" : "the message has no tool call"))
        }
        let object: JSONValue
        do { object = try JSONParser().parse(Evaluation.Evaluator.unfenced(text)) } catch {
            return .failure(.malformed("the verdict is not JSON: \(String(text.prefix(120)))"))
        }
        let reasoning = object["reasoning"]?.stringValue ?? ""
        guard let score = object["score"] else { return .failure(.malformed("the verdict has no score")) }
        let parsed: JudgeVerdict
        switch verdict(score, reasoning: reasoning) {
        case .success(let v): parsed = v
        case .failure(let f): return .failure(f)
        }
        let usage = root["usage"]
        return .success(
            JudgeAnswer(
                verdict: parsed, inputTokens: Self.tokens(usage?["prompt_tokens"]), outputTokens: Self.tokens(usage?["completion_tokens"]),
                model: root["model"]?.stringValue, text: text))
    }

    /// A token count from the answer; anything but a plausible count is 0.
    static func tokens(_ v: JSONValue?) -> Int {
        guard let d = v?.numberValue, d.isFinite, d >= 0, d < 1e12 else { return 0 }
        return Int(d)
    }

    private func verdict(_ score: JSONValue, reasoning: String) -> Result<JudgeVerdict, JudgeFailure> {
        switch dataType {
        case .numeric:
            guard let x = score.numberValue, x.isFinite else { return .failure(.malformed("the score is not a number: \(JSONWriter.serialize(score))")) }
            if let min, x < min { return .failure(.malformed("the score \(x) is below \(min)")) }
            if let max, x > max { return .failure(.malformed("the score \(x) is above \(max)")) }
            return .success(JudgeVerdict(value: x, label: nil, reasoning: reasoning))
        case .boolean:
            let b: Bool?
            switch score {
            case .bool(let v): b = v
            case .int(let i) where i == 0 || i == 1: b = i == 1
            case .string(let s): b = ["true": true, "false": false, "1": true, "0": false][s.lowercased()]
            default: b = nil
            }
            guard let b else { return .failure(.malformed("the score is not a boolean: \(JSONWriter.serialize(score))")) }
            return .success(JudgeVerdict(value: nil, label: b ? "true" : "false", reasoning: reasoning))
        case .categorical:
            guard let s = score.stringValue, categories.contains(s) else {
                return .failure(.malformed("the score is none of the categories: \(JSONWriter.serialize(score))"))
            }
            return .success(JudgeVerdict(value: nil, label: s, reasoning: reasoning))
        }
    }
}

/// Why a judge call gave no verdict; `reason` is the metric label.
enum JudgeFailure: Error, Equatable {
    case malformed(String)
    case rateLimited(String)
    case httpError(String)
    case unreachable(String)

    var reason: String {
        switch self {
        case .malformed: return "malformed"
        case .rateLimited: return "rate_limited"
        case .httpError: return "http_error"
        case .unreachable: return "unreachable"
        }
    }

    var message: String {
        switch self {
        case .malformed(let m), .rateLimited(let m), .httpError(let m), .unreachable(let m): return m
        }
    }
}
