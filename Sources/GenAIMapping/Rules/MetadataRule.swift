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

    /// Span attributes minus input/output and message families, each value as text. Known keys
    /// reuse their static spelling, so only unknown keys and values allocate.
    func attributesMetadata(excluding consumed: [AttributeKey], tools: Tools) -> [JSONMember] {
        var excluded: [Int32] = []
        for key in consumed + tools.consumed { if let i = index.index(key) { excluded.append(Int32(i)) } }
        for key in MappingTables.metadataExcludedKeys { if let i = index.index(key) { excluded.append(Int32(i)) } }
        for p in index.prefixed where MappingTables.metadataExcludedFamilyIDs[Int(p.family)]
            || (tools.consumedLLMTools && Int(p.family) == AttributeKeyPrefix.llmTools.ordinal) {
            excluded.append(p.index)
        }
        var out: [JSONMember] = []
        out.reserveCapacity(Int(span.attributes.count))
        var hashes: [Int] = []
        hashes.reserveCapacity(Int(span.attributes.count))
        for i in span.attributes.range where !excluded.contains(Int32(i)) {
            let a = batch.attributes[i]
            let key = index.knownKey(at: i).map(\.rawValue) ?? batch.string(a.key)
            let member = JSONMember(key, .string(batch.stringified(a.value)))
            // A repeated key keeps its first position and takes the last value.
            let h = key.hashValue
            if hashes.contains(h), let at = out.firstIndex(where: { $0.key == key }) {
                out[at] = member
            } else {
                hashes.append(h)
                out.append(member)
            }
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
