import CollectorCore

/// Walks a batch span by span with a `SpanContext` ready for the rules: the resource's and scope's
/// facts computed once per entry, the span's key index built once per span. The translator and the
/// processors read spans through it, so a processor sees exactly what the exported record will.
public struct SpanWalker: Sendable {
    let classifier: KeyClassifier

    public init(classifier: KeyClassifier = .shared) {
        self.classifier = classifier
    }

    /// Every span of the batch in table order, with its context (resource and scope facts, the
    /// span's key index) ready for the rules. Returns the notes the rules made.
    @discardableResult
    public func forEachSpan(_ batch: TraceBatch, _ body: (borrowing SpanContext, Int) -> Void) -> TranslationNotes {
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
    public static func repeatBudget(_ batch: TraceBatch) -> Int { 8 * batch.bytes.count + (1 << 20) }

    /// The bytes of a slice's keys and string values, about what it takes as JSON text.
    public static func textBytes(_ batch: TraceBatch, _ slice: TableSlice) -> Int {
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
