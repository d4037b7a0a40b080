import CollectorCore
import Crypto
import GenAISemantics

/// A judge's call as a span of its own: a GENERATION in a trace of its own (environment
/// `genai-collector-judge`, which no evaluator evaluates), with the model, tokens, cost, prompt and
/// answer, as Langfuse traces its own evaluator runs. Its `gen_ai.evaluation.result` event names
/// the target trace and observation, and the translator scores that target, with this trace as the
/// score's execution trace. So the verdict reaches every sink, durable queue and OTLP peer as any
/// span does.
enum JudgeSpan {
    static let environment = "genai-collector-judge"
    static let service = "genai-collector-judge"

    /// The catalog's price of the answer's tokens; nil for a model it does not know.
    static func cost(model: String, _ answer: JudgeAnswer) -> Double? {
        guard let prices = PriceCatalog.builtin.match(model)?.prices else { return nil }
        return Double(answer.inputTokens) * (prices["input"] ?? 0) + Double(answer.outputTokens) * (prices["output"] ?? 0)
    }

    /// Ids from the target and the evaluator: judging the same target again (a resent trace)
    /// writes the same execution trace.
    static func ids(_ job: JudgeService.Job, evaluator: String) -> (TraceID, SpanID) {
        var bytes = job.target.bytes + (job.observation ?? .zero).bytes
        bytes.append(contentsOf: evaluator.utf8)
        let d = Array(SHA256.hash(data: bytes))
        func word(_ at: Int) -> UInt64 { d[at..<at + 8].reduce(0) { $0 << 8 | UInt64($1) } }
        return (TraceID(high: word(0), low: word(8)), SpanID(word(16) | 1))
    }

    static func batch(
        job: JudgeService.Job, answer: JudgeAnswer, judge: Evaluation.Judge, evaluator: String, start: UInt64, end: UInt64, cost: Double?,
        cached: Bool
    ) -> TraceBatch {
        var b = TraceBatch()
        func text(_ s: String) -> AttributeValue { .string(b.store(s)) }
        func attribute(_ key: String, _ value: AttributeValue) -> Attribute { Attribute(key: b.store(key), value: value) }

        let resourceAttributes = [attribute(AttributeKey.serviceName.rawValue, text(service))]
        let name = evaluator.split(separator: "/").last.map(String.init) ?? evaluator
        var spanAttributes = [
            attribute(AttributeKey.langfuseTraceName.rawValue, text("Execute evaluator: \(evaluator)")),
            attribute(AttributeKey.langfuseEnvironment.rawValue, text(environment)),
            attribute(AttributeKey.langfuseObservationType.rawValue, text("generation")),
            attribute(AttributeKey.genAIOperationName.rawValue, text("chat")),
            attribute(AttributeKey.genAIProviderName.rawValue, text("openai")),
            attribute(AttributeKey.genAIRequestModel.rawValue, text(judge.model)),
            attribute(AttributeKey.langfuseObservationInput.rawValue, text(job.prompt)),
            attribute(AttributeKey.langfuseObservationOutput.rawValue, text(answer.text)),
            attribute(CollectorAttributeKey.observationMetadata("target_trace_id"), text(job.target.hex)),
            attribute(CollectorAttributeKey.observationMetadata("cached"), .bool(cached)),
        ]
        if let o = job.observation { spanAttributes.append(attribute(CollectorAttributeKey.observationMetadata("target_observation_id"), text(o.hex))) }
        if !cached {
            if let m = answer.model { spanAttributes.append(attribute(AttributeKey.genAIResponseModel.rawValue, text(m))) }
            spanAttributes.append(attribute(AttributeKey.genAIUsageInputTokens.rawValue, .int(Int64(answer.inputTokens))))
            spanAttributes.append(attribute(AttributeKey.genAIUsageOutputTokens.rawValue, .int(Int64(answer.outputTokens))))
            if let cost { spanAttributes.append(attribute(AttributeKey.genAIUsageCost.rawValue, .double(cost))) }
        }
        let v = answer.verdict
        var eventAttributes = [
            attribute(AttributeKey.genAIEvaluationName.rawValue, text(name)),
            attribute(AttributeKey.genAIEvaluationExplanation.rawValue, text(v.reasoning)),
            attribute(AttributeKey.collectorEvaluationSource.rawValue, text("EVAL")),
            attribute(AttributeKey.collectorEvaluationEvaluator.rawValue, text(evaluator)),
            attribute(AttributeKey.collectorEvaluationTargetTrace.rawValue, text(job.target.hex)),
            attribute(AttributeKey.collectorEvaluationTargetEnvironment.rawValue, text(job.environment)),
        ]
        if let o = job.observation { eventAttributes.append(attribute(AttributeKey.collectorEvaluationTargetObservation.rawValue, text(o.hex))) }
        if let value = v.value { eventAttributes.append(attribute(AttributeKey.genAIEvaluationScoreValue.rawValue, .double(value))) }
        if let label = v.label { eventAttributes.append(attribute(AttributeKey.genAIEvaluationScoreLabel.rawValue, text(label))) }
        if job.observation == nil { eventAttributes.append(attribute(AttributeKey.collectorEvaluationScope.rawValue, text("trace"))) }

        b.attributes = resourceAttributes + spanAttributes + eventAttributes
        var resource = ResourceEntry()
        resource.hasResource = true
        resource.attributes = TableSlice(start: 0, count: resourceAttributes.count)
        resource.scopes = TableSlice(start: 0, count: 1)
        var scope = ScopeEntry()
        scope.hasScope = true
        scope.name = b.store("genai-collector/judge")
        scope.spans = TableSlice(start: 0, count: 1)
        var event = SpanEvent()
        event.name = b.store(GenAIEventName.evaluationResult.rawValue)
        event.timeUnixNano = end
        event.attributes = TableSlice(start: resourceAttributes.count + spanAttributes.count, count: eventAttributes.count)
        var span = Span()
        (span.traceID, span.spanID) = ids(job, evaluator: evaluator)
        span.name = b.store("judge \(name)")
        span.kind = 3  // client
        span.startTimeUnixNano = start
        span.endTimeUnixNano = end
        span.attributes = TableSlice(start: resourceAttributes.count, count: spanAttributes.count)
        span.events = TableSlice(start: 0, count: 1)
        b.resources = [resource]
        b.scopes = [scope]
        b.spans = [span]
        b.events = [event]
        return b
    }
}
