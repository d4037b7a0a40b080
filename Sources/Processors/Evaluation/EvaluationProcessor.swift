import CollectorCore
import ComponentModel
import GenAISemantics
import ServiceLifecycle

/// Runs the configured evaluators over observations (and, after `groupbytrace`, whole traces) and
/// writes each verdict as a `gen_ai.evaluation.result` event with source `EVAL` on the span it scores.
/// Facts are read through the translator's own rules, so a rule sees the input, output, type,
/// model and cost that are exported (redacted, when redaction runs first). Judge evaluators hand
/// their jobs to a `JudgeService` each and go on; spans of the judges' own environment are never
/// evaluated.
public struct EvaluationProcessor: TraceProcessor, PipelineFeeder {
    public let id: String
    public let config: Evaluation.Config
    private let observationEvaluators: [Evaluation.Evaluator]
    private let traceEvaluators: [Evaluation.Evaluator]
    /// Observation evaluators filter by the trace's tags, gathered before they run.
    private let needsTraceTags: Bool
    private let traceNeeds: Needs
    /// One per judge evaluator, by name.
    let judges: [String: JudgeService]

    public init(id: String = Evaluation.type, config: Evaluation.Config, settings: ComponentSettings? = nil) {
        self.id = id
        self.config = config
        let s = settings ?? .standalone(Evaluation.type, .processor)
        var judges: [String: JudgeService] = [:]
        for e in config.evaluators {
            guard case .judge(let j) = e.rule else { continue }
            judges[e.name] = JudgeService(
                processor: id, name: e.name, judge: j, counters: s.counters, logger: s.logger, clock: s.clock, grace: s.shutdownTimeout / 4)
        }
        self.judges = judges
        observationEvaluators = config.evaluators.filter { $0.scope == .observation }
        traceEvaluators = config.evaluators.filter { $0.scope == .trace }
        needsTraceTags = observationEvaluators.contains { !$0.filter.tags.isEmpty }
        traceNeeds = Needs(traceEvaluators)
    }

    struct SpanPlace: Hashable {
        var part: Int
        var span: Int
    }

    /// One score to write: on which span, and what.
    struct Verdict {
        var part: Int
        var span: Int
        var name: String
        var value: Double?
        var label: String?
        var comment: String
        var traceLevel: Bool
        var time: UInt64
    }

    public func attach(head: any TraceConsumer, http: any JudgeHTTP) -> [any Service] {
        judges.sorted { $0.key < $1.key }.map { _, judge in
            judge.attach(head: head, http: http)
            return judge
        }
    }

    public func process(trace parts: inout [TraceBatch]) -> ProcessorOutcome {
        var tally = Tally()
        var verdicts: [Verdict] = []
        var traces: [TraceID: TraceFacts] = [:]
        var traceTags: [TraceID: Set<String>] = [:]
        if needsTraceTags {
            for p in parts.indices {
                SpanWalker().forEachSpan(parts[p]) { ctx, _ in
                    if let tags = ctx.tags(), !tags.isEmpty { traceTags[ctx.span.traceID, default: []].formUnion(tags) }
                }
            }
        }
        let gather = !traceEvaluators.isEmpty
        for p in parts.indices {
            SpanWalker().forEachSpan(parts[p]) { ctx, s in
                let type = ctx.observationType()
                if !observationEvaluators.isEmpty {
                    evaluateObservation(ctx, type: type, place: (p, s), tags: traceTags[ctx.span.traceID], &verdicts, &tally)
                }
                if gather { traces[ctx.span.traceID, default: TraceFacts()].add(ctx, type: type, place: (p, s), needs: traceNeeds) }
            }
        }
        for (trace, facts) in traces.sorted(by: { ($0.key.high, $0.key.low) < ($1.key.high, $1.key.low) }) {
            evaluateTrace(trace, facts, &verdicts, &tally)
        }
        write(verdicts, into: &parts)
        var outcome = ProcessorOutcome()
        for (key, n) in tally.counts { outcome.add(.evaluations, ["processor": id, "evaluator": key.evaluator, "result": key.result], n) }
        outcome.add("scores", verdicts.count)
        return outcome
    }

    private func evaluateObservation(
        _ ctx: borrowing SpanContext, type: ObservationType, place: (Int, Int), tags: Set<String>?,
        _ verdicts: inout [Verdict], _ tally: inout Tally
    ) {
        let span = ctx.span
        var subject: EvaluationSubject?
        var io: SpanContext.IO?
        // A judge's own span is never evaluated (else judges would judge judges).
        if ctx.environment() == JudgeSpan.environment { return }
        for e in observationEvaluators {
            guard Self.sampled(span.traceID, e.sampling) else { count(e, "unsampled", &tally); continue }
            let f = e.filter
            if !f.types.isEmpty, !f.types.contains(type) { count(e, "filtered", &tally); continue }
            if !f.models.isEmpty, !(ctx.modelName().map { m in f.models.contains { $0.matches(m) } } ?? false) { count(e, "filtered", &tally); continue }
            if !f.names.isEmpty, !f.names.contains(where: { $0.matches(ctx.observationName(type: type)) }) { count(e, "filtered", &tally); continue }
            if !f.environments.isEmpty, !f.environments.contains(ctx.environment()) { count(e, "filtered", &tally); continue }
            if !f.tags.isEmpty {
                let own = Set(ctx.tags() ?? []).union(tags ?? [])
                if f.tags.isDisjoint(with: own) { count(e, "filtered", &tally); continue }
            }
            var sub = subject ?? EvaluationSubject()
            let judge = judge(e)
            if judge != nil || e.rule.field != nil, io == nil {
                let pair = ctx.inputOutput()
                io = pair
                sub.input = EvaluationText.text(pair.input, in: ctx.batch)
                sub.output = EvaluationText.text(pair.output, in: ctx.batch)
            }
            switch e.rule {
            case .latency: sub.seconds = Self.seconds(span.startTimeUnixNano, span.endTimeUnixNano)
            case .cost: sub.costUSD = ctx.costDetails()?.overall
            case .redaction: sub.redactions = Self.redactions(span, in: ctx.batch)
            case .toolError: sub.failedTools = type == .tool ? (ctx.level() == .error ? [Self.failure(ctx, type: type)] : []) : nil
            default: break
            }
            subject = sub
            if let judge {
                let variables = JudgeVariables(input: sub.input, output: sub.output, metadata: ctx.userMetadata(.observation))
                ask(judge, e, variables, target: span.traceID, observation: span.spanID, environment: ctx.environment(), &tally)
                continue
            }
            record(e, e.evaluate(sub), at: place, traceLevel: false, time: max(span.endTimeUnixNano, span.startTimeUnixNano), &verdicts, &tally)
        }
    }

    private func evaluateTrace(_ trace: TraceID, _ t: TraceFacts, _ verdicts: inout [Verdict], _ tally: inout Tally) {
        guard let place = t.root ?? t.first, t.environment != JudgeSpan.environment else { return }
        var subject = EvaluationSubject()
        subject.input = t.input
        subject.output = t.output
        subject.seconds = t.start == .max ? nil : Self.seconds(t.start, t.end)
        subject.costUSD = t.cost
        subject.redactions = t.redactions
        subject.failedTools = t.failedTools
        for e in traceEvaluators {
            guard Self.sampled(trace, e.sampling) else { count(e, "unsampled", &tally); continue }
            let f = e.filter
            if !f.names.isEmpty, !f.names.contains(where: { $0.matches(t.name ?? "") }) { count(e, "filtered", &tally); continue }
            if !f.environments.isEmpty, !f.environments.contains(t.environment ?? "default") { count(e, "filtered", &tally); continue }
            if !f.tags.isEmpty, f.tags.isDisjoint(with: t.tags) { count(e, "filtered", &tally); continue }
            let judge = judge(e)
            if e.rule.field != nil || judge != nil, t.root == nil { count(e, "no_root", &tally); continue }
            if let judge {
                let variables = JudgeVariables(input: t.input, output: t.output, metadata: t.metadata)
                ask(judge, e, variables, target: trace, observation: nil, environment: t.environment ?? "default", &tally)
                continue
            }
            record(e, e.evaluate(subject), at: place, traceLevel: true, time: max(t.end, t.start == .max ? 0 : t.start), &verdicts, &tally)
        }
    }

    private func record(
        _ e: Evaluation.Evaluator, _ result: EvaluationResult, at place: (Int, Int), traceLevel: Bool, time: UInt64,
        _ verdicts: inout [Verdict], _ tally: inout Tally
    ) {
        switch result {
        case .skipped(let reason):
            count(e, reason, &tally)
        case .score(let value, let label, let comment, let passed):
            count(e, passed.map { $0 ? "pass" : "fail" } ?? "measured", &tally)
            verdicts.append(
                Verdict(part: place.0, span: place.1, name: e.name, value: value, label: label, comment: comment, traceLevel: traceLevel, time: time))
        }
    }

    /// The evaluator's judge service; a rule evaluator has none (no name lookup per span for it).
    private func judge(_ e: Evaluation.Evaluator) -> JudgeService? {
        guard case .judge = e.rule else { return nil }
        return judges[e.name]
    }

    /// A judge job, queued without waiting: `queued`, or counted by the service when it cannot be.
    private func ask(
        _ judge: JudgeService, _ e: Evaluation.Evaluator, _ v: JudgeVariables, target: TraceID, observation: SpanID?, environment: String,
        _ tally: inout Tally
    ) {
        guard case .judge(let j) = e.rule else { return }
        // A template that shows the input or the output needs it: a call that only asked for a tool
        // has no output to judge.
        if j.readsInput && v.input == nil || j.readsOutput && v.output == nil { return count(e, "no_text", &tally) }
        let job = JudgeService.Job(prompt: v.render(j.prompt), target: target, observation: observation, environment: environment)
        if judge.submit(job) { count(e, "queued", &tally) }
    }

    /// What each evaluator did in one call, by evaluator and result (short strings, kept inline);
    /// made metrics once at the end: a label map per span and evaluator would cost more than the rules.
    struct Tally {
        struct Key: Hashable {
            var evaluator: String
            var result: String
        }
        var counts: [Key: Int] = [:]
    }

    private func count(_ e: Evaluation.Evaluator, _ result: String, _ tally: inout Tally) {
        tally.counts[Tally.Key(evaluator: e.name, result: result), default: 0] += 1
    }

    /// Each verdict as a `gen_ai.evaluation.result` event, a span's added together; keys stored
    /// once per part.
    private func write(_ verdicts: [Verdict], into parts: inout [TraceBatch]) {
        guard !verdicts.isEmpty else { return }
        // A share of a larger request is copied out first: else the first write would copy the
        // whole request (spans keep their order, so the places stay right).
        for p in Set(verdicts.map(\.part)) where parts[p].isShareOfLargerRequest { parts[p] = parts[p].compacted() }
        struct Keys {
            var event, name, value, label, explanation, source, eval, scope, trace, evaluator: ByteRange
        }
        var keys: [Int: Keys] = [:]
        var evaluatorIDs: [Int: [String: ByteRange]] = [:]
        var bySpan: [SpanPlace: [(event: SpanEvent, attributes: [Attribute])]] = [:]
        var order: [SpanPlace] = []
        for v in verdicts {
            let p = v.part
            let k: Keys
            if let known = keys[p] {
                k = known
            } else {
                k = Keys(
                    event: parts[p].store(GenAIEventName.evaluationResult.rawValue),
                    name: parts[p].store(AttributeKey.genAIEvaluationName.rawValue),
                    value: parts[p].store(AttributeKey.genAIEvaluationScoreValue.rawValue),
                    label: parts[p].store(AttributeKey.genAIEvaluationScoreLabel.rawValue),
                    explanation: parts[p].store(AttributeKey.genAIEvaluationExplanation.rawValue),
                    source: parts[p].store(AttributeKey.collectorEvaluationSource.rawValue),
                    eval: parts[p].store("EVAL"),
                    scope: parts[p].store(AttributeKey.collectorEvaluationScope.rawValue),
                    trace: parts[p].store("trace"),
                    evaluator: parts[p].store(AttributeKey.collectorEvaluationEvaluator.rawValue))
                keys[p] = k
            }
            let evaluatorID = evaluatorIDs[p]?[v.name] ?? parts[p].store("\(id)/\(v.name)")
            evaluatorIDs[p, default: [:]][v.name] = evaluatorID
            var attributes = [
                Attribute(key: k.name, value: .string(parts[p].store(v.name))),
                Attribute(key: k.explanation, value: .string(parts[p].store(v.comment))),
                Attribute(key: k.source, value: .string(k.eval)),
                Attribute(key: k.evaluator, value: .string(evaluatorID)),
            ]
            if let value = v.value { attributes.append(Attribute(key: k.value, value: .double(value))) }
            if let label = v.label { attributes.append(Attribute(key: k.label, value: .string(parts[p].store(label)))) }
            if v.traceLevel { attributes.append(Attribute(key: k.scope, value: .string(k.trace))) }
            var event = SpanEvent()
            event.name = k.event
            event.timeUnixNano = v.time
            let place = SpanPlace(part: p, span: v.span)
            if bySpan[place] == nil { order.append(place) }
            bySpan[place, default: []].append((event, attributes))
        }
        for place in order { parts[place.part].appendEvents(span: place.span, bySpan[place] ?? []) }
    }

    /// Deterministic by trace id: the same traces are chosen on every run, by every process.
    static func sampled(_ trace: TraceID, _ rate: Double) -> Bool {
        if rate >= 1 { return true }
        if rate <= 0 { return false }
        var z = trace.high ^ (trace.low &* 0x9E37_79B9_7F4A_7C15)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / 9_007_199_254_740_992.0 < rate
    }

    static func seconds(_ start: UInt64, _ end: UInt64) -> Double? {
        guard start != 0, end >= start else { return nil }
        return Double(end - start) / 1e9
    }

    /// `redaction.<rule>.count` attributes of the span, by rule.
    static func redactions(_ span: Span, in batch: TraceBatch) -> [String: Int] {
        var out: [String: Int] = [:]
        let prefix = Array("redaction.".utf8)
        let suffix = Array(".count".utf8)
        for a in batch.attributes[span.attributes.range] {
            let k = a.key
            guard Int(k.count) > prefix.count + suffix.count, case .int(let n) = a.value, n > 0 else { continue }
            let bytes = batch.bytes[k.lowerBound..<k.upperBound]
            guard bytes.starts(with: prefix), bytes.suffix(suffix.count).elementsEqual(suffix) else { continue }
            let rule = String(decoding: bytes.dropFirst(prefix.count).dropLast(suffix.count), as: UTF8.self)
            out[rule, default: 0] += Int(n)
        }
        return out
    }

    static func failure(_ ctx: borrowing SpanContext, type: ObservationType) -> String {
        let name = ctx.observationName(type: type)
        guard let message = ctx.statusMessage() else { return name }
        return "\(name): \(message.unicodeScalars.count > 200 ? String(message.prefix(197)) + "..." : message)"
    }
}
