import CollectorCore
import GenAISemantics

/// Translates a batch of OTLP spans into Langfuse records by Langfuse's own mapping rules
/// (see the README for where we deliberately differ). A pure function of the batch, except that
/// a span with no timestamp at all is stamped with the current time, as Langfuse does.
public struct GenAITranslator: Sendable {
    /// Counts of what the translation noticed but could not use, by reason.
    public struct Stats: Sendable, Equatable {
        public var spans = 0
        public var notes = TranslationNotes()
        public var minimalTracesSkipped = 0
        public init() {}
    }

    let walker: SpanWalker

    public init(classifier: KeyClassifier = .shared) {
        walker = SpanWalker(classifier: classifier)
    }

    public func translate(_ batch: TraceBatch) -> LangfuseRecords {
        var stats = Stats()
        return translate(batch, stats: &stats)
    }

    public func translate(_ batch: TraceBatch, stats: inout Stats) -> LangfuseRecords {
        translate(parts: [batch], stats: &stats)[0]
    }

    /// Translates the requests of one batch where they lie, without merging them first: one
    /// `LangfuseRecords` per part, with the same records as translating the merged batch (a trace's
    /// minimal record is kept only if no part gave it a full or update record).
    public func translate(parts: [TraceBatch], stats: inout Stats) -> [LangfuseRecords] {
        var out: [LangfuseRecords] = []
        out.reserveCapacity(parts.count)
        var traceKinds = TraceKindTable(capacity: parts.reduce(0) { $0 + $1.spans.count })
        var pendingMinimal: [(part: Int, trace: LangfuseTrace)] = []
        for batch in parts {
            var records = LangfuseRecords(batch: batch)
            records.observations.reserveCapacity(batch.spans.count)
            stats.notes.add(
                walker.forEachSpan(batch) { ctx, _ in
                    let (observation, attributes, traceInput) = self.observation(ctx, stats: &stats)
                    stats.spans += 1
                    if let trace = traceRecord(ctx, observation, attributes, traceInput) {
                        if trace.kind == .minimal {
                            if traceKinds[trace.id] == nil {
                                pendingMinimal.append((out.count, trace))
                                traceKinds[trace.id] = .minimal
                            }
                        } else {
                            traceKinds[trace.id] = trace.kind
                            records.traces.append(trace)
                        }
                    }
                    for e in ctx.evaluations() {
                        records.scores.append(LangfuseScore(e, trace: observation.traceID, observation: observation.id, environment: observation.environment))
                    }
                    records.observations.append(consume observation)
                })
            out.append(records)
        }
        // A minimal record (one per trace at most) is only needed for a trace that got no full or
        // update record in this batch.
        for (part, t) in pendingMinimal {
            if traceKinds[t.id] == .minimal { out[part].traces.append(t) } else { stats.minimalTracesSkipped += 1 }
        }
        return out
    }

    /// The observation, its `metadata.attributes` for the trace record to reuse, and the input a root
    /// span gives its trace (without tools taken from the observation's metadata).
    private func observation(_ ctx: SpanContext, stats: inout Stats) -> (LangfuseObservation, AttributeSelection, RecordValue?) {
        let span = ctx.span
        let type = ctx.observationType()
        var o = LangfuseObservation(
            id: span.spanID, traceID: span.traceID, type: type, name: ctx.observationName(type: type),
            environment: ctx.environment())
        o.parentObservationID = span.parentSpanID
        (o.startTimeUnixNano, o.endTimeUnixNano) = Self.times(span)
        let io = ctx.inputOutput()
        let tools = ctx.toolDefinitions()
        let traceInput = ctx.inputWithTools(io.input, tools.definitions)
        // Tools named in the observation's metadata move into its input, ahead of the others.
        var userMetadata = merged(ctx.resource.traceMetadata, ctx.userMetadata(.observation, noting: true))
        if let i = userMetadata.firstIndex(where: { $0.key == "tools" }), case .json(let value) = userMetadata[i].value,
            let named = SpanContext.metadataTools(value)
        {
            userMetadata.remove(at: i)
            o.input = ctx.inputWithTools(io.input, named + tools.definitions)
        } else {
            o.input = traceInput
        }
        o.output = io.output
        o.model = ctx.modelName()
        o.modelParameters = ctx.modelParameters()
        o.usageDetails = ctx.usageDetails()
        o.costDetails = ctx.costDetails()
        switch ctx.completionStartTime() {
        case .time(let t): o.completionStartTime = t
        case .invalid: stats.notes[.completionStartInvalid] += 1
        case .none: break
        }
        o.level = ctx.level()
        o.statusMessage = ctx.statusMessage()
        o.version = ctx.version()
        if ctx.has(.collectorCostModel) {
            o.pricedModelID = ctx.text(.collectorCostModelID)
            o.pricingTierID = ctx.text(.collectorCostTierID)
            o.pricingTierName = ctx.text(.collectorCostTier)
        }
        if type == .generation {
            switch ctx.promptLink() {
            case .some(.some(let link)): (o.promptName, o.promptVersion) = (link.name, link.version)
            case .some(.none): stats.notes[.promptLinkDropped] += 1
            case .none: break
            }
        }
        let attributes = ctx.attributesMetadata(excluding: io.consumed, tools: tools)
        o.metadata = userMetadata.merging(ctx.structuralMetadata(attributes: attributes))
        if ctx.isMarkedAggregate {
            o.aggregatedUsage = ctx.spanUsage()
            o.aggregatedCost = ctx.spanCost()
            if let u = o.aggregatedUsage { o.metadata.append(RecordMember("aggregated_usage", .json(.object(u.pairs.map { JSONMember($0.0, .int($0.1)) })))) }
            if let c = o.aggregatedCost { o.metadata.append(RecordMember("aggregated_cost", .json(.object(c.pairs.map { JSONMember($0.0, .double($0.1)) })))) }
        }
        return (o, attributes, traceInput)
    }

    private func traceRecord(
        _ ctx: SpanContext, _ o: borrowing LangfuseObservation, _ attributes: AttributeSelection, _ input: RecordValue?
    ) -> LangfuseTrace? {
        let kind: LangfuseTrace.Kind = ctx.isRoot ? .full : (ctx.hasTraceUpdates ? .update : .minimal)
        var t = LangfuseTrace(
            kind: kind, id: o.traceID, sourceSpanID: o.id, timestampUnixNano: o.startTimeUnixNano,
            environment: o.environment)
        if kind == .minimal { return t }
        t.userID = ctx.userID()
        t.sessionID = ctx.sessionID()
        t.tags = ctx.tags()
        t.isPublic = ctx.isPublic()
        t.version = o.version
        t.release = ctx.release()
        let explicitInput = ctx.value(.langfuseTraceInput).map(RecordValue.attribute)
        let explicitOutput = ctx.value(.langfuseTraceOutput).map(RecordValue.attribute)
        let base = merged(ctx.resource.traceMetadata, ctx.userMetadata(.trace, noting: true), ctx.userMetadata(.observation))
        if kind == .full {
            t.name = ctx.truthyText(.langfuseTraceName) ?? o.name
            // The root span's input/output is the trace's unless the trace keys say otherwise.
            t.input = explicitInput ?? input
            t.output = explicitOutput ?? o.output
            t.metadata = base.merging(ctx.structuralMetadata(attributes: attributes))
        } else {
            t.name = ctx.truthyText(.langfuseTraceName)
            t.input = explicitInput
            t.output = explicitOutput
            t.metadata = base.merging(ctx.structuralMetadata(attributes: nil))
        }
        return t
    }

    /// A missing edge (zero) copies the other; an end before the start is clamped to the start.
    static func times(_ s: Span) -> (UInt64, UInt64) {
        var start = s.startTimeUnixNano
        var end = s.endTimeUnixNano
        if start == 0 { start = end }
        if end == 0 { end = start }
        if start == 0 {
            start = currentUnixNanos()
            end = start
        }
        return (start, max(start, end))
    }
}
