import CollectorCore
import GenAISemantics

/// What a rule reads of one observation or one whole trace, gathered only when an evaluator needs it.
struct EvaluationSubject {
    var input: String?
    var output: String?
    var seconds: Double?
    var costUSD: Double?
    /// Values redacted, by redaction rule.
    var redactions: [String: Int] = [:]
    /// Failed tool calls (`name: message`); nil when the subject is no tool call and holds none.
    var failedTools: [String]?

    func text(_ field: Evaluation.Field) -> String? { field == .input ? input : output }
}

/// A rule's verdict on one subject: a score, or why there is none.
enum EvaluationResult: Equatable {
    case score(value: Double?, label: String?, comment: String, passed: Bool?)
    case skipped(String)

    static func check(_ passed: Bool, _ comment: String) -> EvaluationResult {
        .score(value: nil, label: passed ? "true" : "false", comment: comment, passed: passed)
    }

    static func measure(_ value: Double, _ comment: String) -> EvaluationResult {
        .score(value: value, label: nil, comment: comment, passed: nil)
    }
}

extension Evaluation.Evaluator {
    /// Pure: the same subject always gets the same verdict, and the comment says why.
    func evaluate(_ s: EvaluationSubject) -> EvaluationResult {
        switch rule {
        case .regex(let pattern, let field, let mustMatch):
            guard let text = s.text(field) else { return .skipped("no_text") }
            let matched = pattern.matches(text)
            let comment = "\(field.rawValue) \(matched ? "matches" : "does not match") /\(pattern.source)/"
            return .check(matched == mustMatch, comment)
        case .contains(let terms, let field, let mode, let caseSensitive):
            guard let raw = s.text(field) else { return .skipped("no_text") }
            let text = caseSensitive ? Array(raw.utf8) : TextFold.folded(raw)
            let hits = needles.map { Self.contains(text, $0) }
            let found = terms.indices.filter { hits[$0] }.map { terms[$0] }
            let missing = terms.indices.filter { !hits[$0] }.map { terms[$0] }
            switch mode {
            case .any:
                return .check(!found.isEmpty, found.isEmpty ? "\(field.rawValue) has none of \(Self.list(terms))" : "\(field.rawValue) has \(Self.list(found))")
            case .all:
                return .check(
                    missing.isEmpty, missing.isEmpty ? "\(field.rawValue) has all of \(Self.list(terms))" : "\(field.rawValue) lacks \(Self.list(missing))")
            case .none:
                return .check(found.isEmpty, found.isEmpty ? "\(field.rawValue) has none of \(Self.list(terms))" : "\(field.rawValue) has \(Self.list(found))")
            }
        case .json(let schema, let field):
            guard let text = s.text(field) else { return .skipped("no_text") }
            let value: JSONValue
            do { value = try JSONParser().parse(Self.unfenced(text)) } catch {
                return .check(false, "\(field.rawValue) is not JSON: \(error)")
            }
            guard let schema else { return .check(true, "\(field.rawValue) is valid JSON") }
            if let bad = schema.compiled.violation(value) { return .check(false, "\(field.rawValue) does not match the schema: \(bad)") }
            return .check(true, "\(field.rawValue) is valid JSON and matches the schema")
        case .length(let min, let max, let unit, let field):
            guard let text = s.text(field) else { return .skipped("no_text") }
            let n = unit == .words ? Self.words(text) : text.unicodeScalars.count
            let what = "\(field.rawValue) is \(n) \(unit.rawValue)"
            if measured { return .measure(Double(n), what) }
            if let min, n < min { return .check(false, "\(what), fewer than \(min)") }
            if let max, n > max { return .check(false, "\(what), more than \(max)") }
            return .check(true, "\(what), within \(min.map(String.init) ?? "0")...\(max.map(String.init) ?? "")")
        case .latency(let max):
            guard let seconds = s.seconds else { return .skipped("no_time") }
            let budget = Double(max.components.seconds) + Double(max.components.attoseconds) / 1e18
            let took = "took \(Self.decimal(seconds, 3)) s"
            if measured { return .measure(seconds, took) }
            return .check(seconds <= budget, "\(took), \(seconds <= budget ? "within" : "over") the \(Self.decimal(budget, 3)) s budget")
        case .cost(let max):
            guard let cost = s.costUSD else { return .skipped("no_cost") }
            let spent = "cost $\(Self.decimal(cost, 6))"
            if measured { return .measure(cost, spent) }
            return .check(cost <= max, "\(spent), \(cost <= max ? "within" : "over") the $\(Self.decimal(max, 6)) budget")
        case .redaction:
            let total = s.redactions.values.reduce(0, +)
            let comment =
                total == 0
                ? "nothing redacted"
                : "\(total) value\(total == 1 ? "" : "s") redacted ("
                    + s.redactions.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"
            if measured { return .measure(Double(total), comment) }
            return .check(total == 0, comment)
        case .refusal(let phrases, let field):
            guard let raw = s.text(field) else { return .skipped("no_text") }
            let text = TextFold.folded(raw)
            guard let at = needles.firstIndex(where: { Self.contains(text, $0) }) else { return .check(true, "no refusal phrase in \(field.rawValue)") }
            return .check(false, "\(field.rawValue) has the refusal phrase \"\(phrases[at])\"")
        case .toolError:
            guard let failed = s.failedTools else { return .skipped("not_applicable") }
            if failed.isEmpty { return .check(true, "no tool call failed") }
            return .check(false, "\(failed.count) tool call\(failed.count == 1 ? "" : "s") failed: " + failed.prefix(5).joined(separator: "; "))
        case .judge:
            return .skipped("judge")  // asked off the export path (`JudgeService`)
        }
    }

    /// A byte search: `String.contains` is far slower on long texts.
    static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= hay.count else { return needle.isEmpty }
        let first = needle[0]
        let last = hay.count - needle.count
        var i = 0
        while i <= last {
            if hay[i] == first {
                var j = 1
                while j < needle.count, hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// Models often wrap JSON in a Markdown code fence; the JSON inside is what is checked.
    static func unfenced(_ text: String) -> String {
        var t = Substring(text).trimmingPrefix(while: \.isWhitespace)
        while let last = t.last, last.isWhitespace { t = t.dropLast() }
        guard t.hasPrefix("```"), t.hasSuffix("```"), t.count >= 6 else { return String(t) }
        t = t.dropFirst(3).dropLast(3)
        if let newline = t.firstIndex(of: "\n") { t = t[t.index(after: newline)...] }
        return String(t)
    }

    static func words(_ text: String) -> Int {
        var n = 0
        var inWord = false
        for s in text.unicodeScalars {
            let space = s.properties.isWhitespace
            if !space, !inWord { n += 1 }
            inWord = !space
        }
        return n
    }

    static func list(_ terms: [String]) -> String {
        let shown = terms.prefix(5).map { "\"\($0)\"" }.joined(separator: ", ")
        return terms.count > 5 ? shown + " and \(terms.count - 5) more" : shown
    }

    /// Fixed decimals, trailing zeros dropped.
    static func decimal(_ x: Double, _ places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let units = (x * scale).rounded()
        guard units.isFinite, abs(units) < 9e15 else { return "\(x)" }
        let whole = Int64(units / scale)
        var frac = Int64(abs(units.truncatingRemainder(dividingBy: scale)))
        var digits = places
        while digits > 0, frac % 10 == 0 {
            frac /= 10
            digits -= 1
        }
        let sign = x < 0 && whole == 0 ? "-" : ""
        guard digits > 0 else { return sign + String(whole) }
        let f = String(frac)
        return sign + String(whole) + "." + String(repeating: "0", count: digits - f.count) + f
    }
}
