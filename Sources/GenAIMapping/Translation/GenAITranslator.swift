import CollectorCore

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

    let classifier: KeyClassifier

    public init(classifier: KeyClassifier = .shared) {
        self.classifier = classifier
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
                forEachSpan(batch) { ctx, _ in
                    let (observation, attributes) = self.observation(ctx, stats: &stats)
                    stats.spans += 1
                    if let trace = traceRecord(ctx, observation, attributes) {
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

    /// Every span of the batch in table order, with its context (resource and scope facts, the
    /// span's key index) ready for the rules. Returns the notes the rules made.
    @discardableResult
    func forEachSpan(_ batch: TraceBatch, _ body: (borrowing SpanContext, Int) -> Void) -> TranslationNotes {
        var ctx = SpanContext(batch: batch)
        let repeatBudget = Self.repeatBudget(batch)
        for resourceEntry in batch.resources {
            ctx.resource = resourceFacts(batch, resourceEntry)
            if ctx.resource.traceMetadata.count > MappingTables.maxMetadataKeys {
                ctx.caches.notes[.metadataKeysDropped] += ctx.resource.traceMetadata.count - MappingTables.maxMetadataKeys
                ctx.resource.traceMetadata.removeLast(ctx.resource.traceMetadata.count - MappingTables.maxMetadataKeys)
            }
            let spansInResource = batch.scopes[resourceEntry.scopes.range].reduce(0) { $0 + Int($1.spans.count) }
            let resourceBytes = Self.textBytes(batch, resourceEntry.attributes)
            if resourceBytes * spansInResource > repeatBudget {
                ctx.resource.attributesValue = Self.omitted(resourceBytes)
                ctx.caches.notes[.repeatedAttributesOmitted] += 1
            }
            for scopeEntry in batch.scopes[resourceEntry.scopes.range] {
                ctx.scope = scopeFacts(batch, scopeEntry)
                let scopeBytes = Self.textBytes(batch, scopeEntry.attributes) + Int(scopeEntry.name.count + scopeEntry.version.count)
                if scopeBytes * Int(scopeEntry.spans.count) > repeatBudget {
                    ctx.scope.jsonValue = Self.omitted(scopeBytes)
                    ctx.caches.notes[.repeatedAttributesOmitted] += 1
                }
                for spanIndex in scopeEntry.spans.range {
                    ctx.span = batch.spans[spanIndex]
                    ctx.index.build(batch, ctx.span.attributes, classifier: classifier)
                    body(ctx, spanIndex)
                }
            }
        }
        return ctx.caches.notes
    }

    /// Resource and scope attributes are written into the metadata of every observation and trace
    /// record under them. A request can pair a huge resource with thousands of tiny spans and have the
    /// output grow with the product; past this budget (eight times the request's bytes, plus 1 MiB)
    /// the repeated copy is replaced by a note of its size (`repeated_attributes_omitted`).
    static func repeatBudget(_ batch: TraceBatch) -> Int { 8 * batch.bytes.count + (1 << 20) }

    /// The bytes of a slice's keys and string values, about what it takes as JSON text.
    static func textBytes(_ batch: TraceBatch, _ slice: TableSlice) -> Int {
        func bytes(_ v: AttributeValue) -> Int {
            switch v {
            case .string(let r), .bytes(let r): return Int(r.count) * 4 / 3 + 2
            case .array(let s): return batch.arrayValues[s.range].reduce(2) { $0 + bytes($1) + 1 }
            case .kvlist(let s): return batch.nestedAttributes[s.range].reduce(2) { $0 + Int($1.key.count) + 4 + bytes($1.value) }
            default: return 8
            }
        }
        return batch.attributes[slice.range].reduce(0) { $0 + Int($1.key.count) + 4 + bytes($1.value) }
    }

    static func omitted(_ bytes: Int) -> RecordValue {
        .json(.object([JSONMember("genai_collector.omitted", .string("\(bytes) bytes, repeated on too many spans of this request"))]))
    }

    /// The observation, and its `metadata.attributes` for the trace record to reuse.
    private func observation(_ ctx: SpanContext, stats: inout Stats) -> (LangfuseObservation, AttributeSelection) {
        let span = ctx.span
        let type = ctx.observationType()
        var o = LangfuseObservation(
            id: span.spanID, traceID: span.traceID, type: type, name: ctx.observationName(),
            environment: ctx.environment())
        o.parentObservationID = span.parentSpanID
        (o.startTimeUnixNano, o.endTimeUnixNano) = Self.times(span)
        let io = ctx.inputOutput()
        let tools = ctx.toolDefinitions()
        o.input = ctx.inputWithTools(io.input, tools.definitions)
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
        o.metadata = merged(ctx.resource.traceMetadata, ctx.userMetadata(.observation, noting: true))
            .merging(ctx.structuralMetadata(attributes: attributes))
        return (o, attributes)
    }

    private func traceRecord(_ ctx: SpanContext, _ o: borrowing LangfuseObservation, _ attributes: AttributeSelection) -> LangfuseTrace? {
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
            t.input = explicitInput ?? o.input
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

    func resourceFacts(_ batch: TraceBatch, _ r: ResourceEntry) -> ResourceFacts {
        var values = [AttributeValue?](repeating: nil, count: SpanIndex.keyCount)
        var index = SpanIndex()
        index.build(batch, r.attributes, classifier: classifier)
        for key in AttributeKey.allCases { if let i = index.index(key) { values[key.ordinal] = batch.attributes[i].value } }
        // Trace metadata set on the resource: blob, then dotted keys.
        var traceMetadata: [JSONMember] = []
        for blobKey in MappingTables.resourceTraceMetadataKeys {
            if case .string(let s)? = values[blobKey.ordinal], case .object(let m)? = JSONParser.parseIfJSON(batch.string(s)) {
                traceMetadata = m
                break
            }
        }
        traceMetadata.setAll(
            batch.attributes[r.attributes.range].lazy.flatMap { a in
                let key = batch.string(a.key)
                return MappingTables.resourceTraceMetadataFamilies.lazy.filter { key.hasPrefix($0.rawValue) }
                    .map { (String(key.dropFirst($0.rawValue.count)), SpanContext.dottedValue(batch.jsonValue(a.value))) }
            })
        return ResourceFacts(
            attributesValue: .json(.object(batch.jsonObject(r.attributes))), values: values,
            traceMetadata: traceMetadata)
    }

    func scopeFacts(_ batch: TraceBatch, _ s: ScopeEntry) -> ScopeFacts {
        let name = batch.string(s.name)
        let version = batch.string(s.version)
        var json: [JSONMember] = [JSONMember("name", .string(name)), JSONMember("version", .string(version))]
        json.append(JSONMember("attributes", .object(batch.jsonObject(s.attributes))))
        return ScopeFacts(
            name: name, version: version, jsonValue: .json(.object(json)),
            isLangfuseSDK: name.hasPrefix(ScopeName.langfuseSDKPrefix.rawValue))
    }
}
