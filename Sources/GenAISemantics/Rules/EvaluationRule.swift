import CollectorCore

/// One `gen_ai.evaluation.result` span event: an instrumentation's score of the span it is on.
public struct EvaluationFacts: Sendable, Equatable {
    public var name: String
    public var value: Double?
    public var label: String?
    public var explanation: String?
    public var timeUnixNano: UInt64
}

extension SpanContext {
    /// The span's evaluation events, in order. One without a name, or with neither a finite score
    /// value nor a label, is noted (`evaluation_unusable`) and left out.
    public func evaluations() -> [EvaluationFacts] {
        let events = batch.events[span.events.range]
        guard !events.isEmpty else { return [] }
        var out: [EvaluationFacts] = []
        for e in events where batch.string(e.name) == GenAIEventName.evaluationResult.rawValue {
            var name: String?
            var value: Double?
            var label: String?
            var explanation: String?
            for a in batch.attributes[e.attributes.range] {
                switch batch.string(a.key) {
                case AttributeKey.genAIEvaluationName.rawValue: name = text(a.value)
                case AttributeKey.genAIEvaluationScoreValue.rawValue: value = number(a.value, in: batch).flatMap { $0.isFinite ? $0 : nil }
                case AttributeKey.genAIEvaluationScoreLabel.rawValue: label = text(a.value)
                case AttributeKey.genAIEvaluationExplanation.rawValue: explanation = text(a.value)
                default: break
                }
            }
            guard let name, !name.isEmpty, value != nil || (label.map { !$0.isEmpty } ?? false) else {
                caches.notes[.evaluationUnusable] += 1
                continue
            }
            out.append(EvaluationFacts(name: name, value: value, label: label, explanation: explanation, timeUnixNano: e.timeUnixNano))
        }
        return out
    }

    private func text(_ v: AttributeValue) -> String {
        if case .string(let r) = v { return batch.string(r) }
        return batch.stringified(v)
    }
}
