import CollectorCore
import GenAISemantics

extension EvaluationProcessor {
    /// Which facts the trace evaluators read (each gathered once per span, however many read it).
    struct Needs {
        var cost = false, redactions = false, tools = false, text = false, tags = false, metadata = false

        init(_ evaluators: [Evaluation.Evaluator]) {
            for e in evaluators {
                if !e.filter.tags.isEmpty { tags = true }
                switch e.rule {
                case .cost: cost = true
                case .redaction: redactions = true
                case .toolError: tools = true
                case .judge:
                    text = true
                    metadata = true
                default: if e.rule.field != nil { text = true }
                }
            }
        }
    }

    /// What trace-scope evaluators read of one trace, gathered span by span.
    struct TraceFacts {
        /// The root span (no parent), else the first span seen: where trace scores are written.
        var root: (Int, Int)?
        var first: (Int, Int)?
        var name: String?
        var environment: String?
        var tags: Set<String> = []
        var start = UInt64.max
        var end: UInt64 = 0
        var cost: Double?
        var redactions: [String: Int] = [:]
        var failedTools: [String] = []
        /// The root's input and output (`langfuse.trace.input`/`output` first, as the trace record's).
        var input: String?
        var output: String?
        /// The root's trace metadata, for a judge's `{{metadata.KEY}}`.
        var metadata: [JSONMember] = []

        mutating func add(_ ctx: borrowing SpanContext, type: ObservationType, place: (Int, Int), needs: Needs) {
            let span = ctx.span
            if first == nil {
                first = place
                environment = ctx.environment()
            }
            if span.startTimeUnixNano != 0 { start = min(start, span.startTimeUnixNano) }
            end = max(end, span.endTimeUnixNano, span.startTimeUnixNano)
            if needs.tags, let tags = ctx.tags() { self.tags.formUnion(tags) }
            if needs.cost, let c = ctx.costDetails()?.overall { cost = (cost ?? 0) + c }
            if needs.redactions { redactions.merge(EvaluationProcessor.redactions(span, in: ctx.batch), uniquingKeysWith: +) }
            if needs.tools, type == .tool, ctx.level() == .error { failedTools.append(EvaluationProcessor.failure(ctx, type: type)) }
            guard span.parentSpanID == nil, root == nil else { return }
            root = place
            name = ctx.truthyText(.langfuseTraceName) ?? ctx.observationName(type: type)
            environment = ctx.environment()
            if needs.metadata { metadata = ctx.userMetadata(.trace) }
            guard needs.text else { return }
            let io = ctx.inputOutput()
            input = ctx.value(.langfuseTraceInput).map { EvaluationText.text(.attribute($0), in: ctx.batch) } ?? EvaluationText.text(io.input, in: ctx.batch)
            output = ctx.value(.langfuseTraceOutput).map { EvaluationText.text(.attribute($0), in: ctx.batch) } ?? EvaluationText.text(io.output, in: ctx.batch)
        }
    }
}
