import CollectorCore

/// Metadata: user metadata (JSON blobs and dotted keys), the remaining span attributes stringified,
/// `resourceAttributes` and `scope`.
extension SpanContext {
    enum MetadataDomain { case observation, trace }

    /// User metadata for one domain: the blob first, dotted keys over it.
    func userMetadata(_ domain: MetadataDomain) -> [JSONMember] {
        var out: [JSONMember] = []
        let blobKey: AttributeKey = domain == .observation ? .langfuseObservationMetadata : .langfuseTraceMetadata
        let blob = has(blobKey) ? parsedJSON(blobKey) : parsedJSON(.langfuseMetadata)
        if case .object(let members)? = blob { out = members }
        let own: AttributeKeyPrefix = domain == .observation ? .langfuseObservationMetadata : .langfuseTraceMetadata
        for f in [own, .langfuseMetadata, .aiTelemetryMetadata] {
            for (suffix, v) in family(f) {
                if f == .aiTelemetryMetadata && MappingTables.aiTelemetryReserved.contains(suffix) { continue }
                out.set(suffix, dottedValue(v))
            }
        }
        return out
    }

    /// Dotted values stay as sent, except that a JSON-encoded string (`"\"acme\""`, as the
    /// Langfuse Python SDK writes) is unwrapped; Langfuse keeps the quotes.
    private func dottedValue(_ v: AttributeValue) -> JSONValue {
        let j = batch.jsonValue(v)
        if case .string(let s) = j, s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\""),
           case .string(let inner)? = JSONParser.parseIfJSON(s) {
            return .string(inner)
        }
        return j
    }

    /// Span attributes minus input/output and message families, each value as text.
    func attributesMetadata(excluding consumed: [AttributeKey], tools: Tools) -> [JSONMember] {
        var skip = Set(consumed.map(\.ordinal) + MappingTables.metadataExcludedKeys.map(\.ordinal) + tools.consumed.map(\.ordinal))
        _ = skip.insert(-1)
        var out: [JSONMember] = []
        out.reserveCapacity(Int(span.attributes.count))
        let excludedFamilies = Set(MappingTables.metadataExcludedFamilies.map { UInt8($0.ordinal) })
        let llmTools = UInt8(AttributeKeyPrefix.llmTools.ordinal)
        var excludedIndices = Set<Int32>()
        for p in index.prefixed where excludedFamilies.contains(p.family) || (tools.consumedLLMTools && p.family == llmTools) {
            excludedIndices.insert(p.index)
        }
        for key in skip where key >= 0 {
            if index.slots[key] >= 0 { excludedIndices.insert(index.slots[key]) }
        }
        for i in span.attributes.range where !excludedIndices.contains(Int32(i)) {
            let a = batch.attributes[i]
            out.set(batch.string(a.key), .string(batch.stringified(a.value)))
        }
        return out
    }

    /// The structural keys Langfuse adds to every record.
    func structuralMetadata(attributes: [JSONMember]?) -> [JSONMember] {
        var out: [JSONMember] = []
        if let attributes, !scope.isLangfuseSDK { out.append(JSONMember("attributes", .object(attributes))) }
        out.append(JSONMember("resourceAttributes", .object(resource.attributes)))
        out.append(JSONMember("scope", .object(scope.json)))
        return out
    }
}

func merged(_ layers: [JSONMember]...) -> [JSONMember] {
    var out: [JSONMember] = []
    for layer in layers { for m in layer { out.set(m.key, m.value) } }
    return out
}
