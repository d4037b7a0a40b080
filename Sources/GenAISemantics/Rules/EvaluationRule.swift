import CollectorCore

/// One `gen_ai.evaluation.result` span event: an instrumentation's score of the span it is on.
public struct EvaluationFacts: Sendable, Equatable {
    public var name: String
    public var value: Double?
    public var label: String?
    public var explanation: String?
    public var timeUnixNano: UInt64
    /// `EVAL` for an evaluator's score; nil for an instrumentation's own (`API`).
    public var source: String?
    /// A score of the whole trace, carried on its root span.
    public var traceLevel = false
    /// The evaluator that wrote it (`<processor>/<evaluator>`).
    public var evaluator: String?
    /// A judge's verdict, carried on the judge's own span: the trace, observation and environment
    /// it scores (the span it is on is then the score's execution trace).
    public var targetTrace: TraceID?
    public var targetObservation: SpanID?
    public var targetEnvironment: String?

    public init(
        name: String, value: Double?, label: String?, explanation: String?, timeUnixNano: UInt64,
        source: String? = nil, traceLevel: Bool = false, evaluator: String? = nil
    ) {
        self.name = name
        self.value = value
        self.label = label
        self.explanation = explanation
        self.timeUnixNano = timeUnixNano
        self.source = source
        self.traceLevel = traceLevel
        self.evaluator = evaluator
    }
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
            var source: String?
            var traceLevel = false
            var evaluator: String?
            var target: (trace: TraceID?, observation: SpanID?, environment: String?)
            for a in batch.attributes[e.attributes.range] {
                switch batch.string(a.key) {
                case AttributeKey.genAIEvaluationName.rawValue: name = text(a.value)
                case AttributeKey.genAIEvaluationScoreValue.rawValue: value = number(a.value, in: batch).flatMap { $0.isFinite ? $0 : nil }
                case AttributeKey.genAIEvaluationScoreLabel.rawValue: label = text(a.value)
                case AttributeKey.genAIEvaluationExplanation.rawValue: explanation = text(a.value)
                case AttributeKey.collectorEvaluationSource.rawValue:
                    let s = text(a.value)
                    source = s == "EVAL" || s == "ANNOTATION" ? s : nil
                case AttributeKey.collectorEvaluationScope.rawValue: traceLevel = text(a.value) == "trace"
                case AttributeKey.collectorEvaluationEvaluator.rawValue: evaluator = text(a.value)
                case AttributeKey.collectorEvaluationTargetTrace.rawValue: target.trace = TraceID(hex: text(a.value))
                case AttributeKey.collectorEvaluationTargetObservation.rawValue: target.observation = SpanID(hex: text(a.value))
                case AttributeKey.collectorEvaluationTargetEnvironment.rawValue: target.environment = text(a.value)
                default: break
                }
            }
            guard let name, !name.isEmpty, value != nil || (label.map { !$0.isEmpty } ?? false) else {
                caches.notes[.evaluationUnusable] += 1
                continue
            }
            var facts = EvaluationFacts(
                name: name, value: value, label: label, explanation: explanation, timeUnixNano: e.timeUnixNano,
                source: source, traceLevel: traceLevel, evaluator: evaluator)
            if let trace = target.trace, !trace.isZero {
                facts.targetTrace = trace
                facts.targetObservation = target.observation
                facts.targetEnvironment = target.environment
            }
            out.append(facts)
        }
        return out
    }

    private func text(_ v: AttributeValue) -> String {
        if case .string(let r) = v { return batch.string(r) }
        return batch.stringified(v)
    }
}
