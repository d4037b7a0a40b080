import CollectorCore

/// Metadata: user metadata (JSON blobs and dotted keys), the remaining span attributes stringified,
/// `resourceAttributes` and `scope`.
extension SpanContext {
    public enum MetadataDomain { case observation, trace }

    /// User metadata for one domain: the blob first, dotted keys over it. At most
    /// `MappingTables.maxMetadataKeys` keys are kept; with `noting`, the rest are counted as
    /// `metadata_keys_dropped` (the same span's metadata is read more than once).
    public func userMetadata(_ domain: MetadataDomain, noting: Bool = false) -> [JSONMember] {
        var out = uncappedUserMetadata(domain)
        if out.count > MappingTables.maxMetadataKeys {
            if noting { caches.notes[.metadataKeysDropped] += out.count - MappingTables.maxMetadataKeys }
            out.removeLast(out.count - MappingTables.maxMetadataKeys)
        }
        return out
    }

    private func uncappedUserMetadata(_ domain: MetadataDomain) -> [JSONMember] {
        var out: [JSONMember] = []
        let blobKey: AttributeKey = domain == .observation ? .langfuseObservationMetadata : .langfuseTraceMetadata
        let blob = has(blobKey) ? parsedJSON(blobKey) : parsedJSON(.langfuseMetadata)
        if case .object(let members)? = blob { out = members }
        let own: AttributeKeyPrefix = domain == .observation ? .langfuseObservationMetadata : .langfuseTraceMetadata
        for f in [own, .langfuseMetadata, .aiTelemetryMetadata] where hasFamily(f) {
            out.setAll(
                family(f).lazy.filter { f != .aiTelemetryMetadata || !MappingTables.aiTelemetryReserved.contains($0.suffix) }
                    .map { ($0.suffix, Self.dottedValue(batch.jsonValue($0.value))) })
        }
        return out
    }

    /// Dotted values stay as sent, except that a JSON-encoded string (`"\"acme\""`, as the
    /// Langfuse Python SDK writes) is unwrapped; Langfuse keeps the quotes.
    static func dottedValue(_ j: JSONValue) -> JSONValue {
        if case .string(let s) = j, s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\""),
            case .string(let inner)? = JSONParser.parseIfJSON(s)
        {
            return .string(inner)
        }
        return j
    }

    /// Span attributes minus what was consumed, every possible input/output key and the message and
    /// metadata families (`MappingTables.metadataExcludedKeys` and `…Prefixes`); written as text.
    public func attributesMetadata(excluding consumed: [AttributeKey], tools: Tools) -> AttributeSelection {
        var excluded: [Int32] = []
        for key in consumed + tools.consumed { if let i = index.index(key) { excluded.append(Int32(i)) } }
        index.forEachKnown { key, i in if MappingTables.metadataExcludedKeyIDs[key] { excluded.append(i) } }
        excluded += index.unknownExcluded
        for p in index.prefixed
        where MappingTables.metadataExcludedFamilyIDs[Int(p.family)]
            || (tools.consumedLLMTools && Int(p.family) == AttributeKeyPrefix.llmTools.ordinal)
        {
            excluded.append(p.index)
        }
        return AttributeSelection(slice: span.attributes, excluded: excluded)
    }

    /// The structural keys Langfuse adds to every record.
    public func structuralMetadata(attributes: AttributeSelection?) -> [RecordMember] {
        var out: [RecordMember] = []
        if let attributes, !scope.isLangfuseSDK { out.append(RecordMember("attributes", .attributeTexts(attributes))) }
        out.append(RecordMember("resourceAttributes", resource.attributesValue))
        out.append(RecordMember("scope", scope.jsonValue))
        return out
    }
}

/// Layers of user metadata, later keys winning.
public func merged(_ layers: [JSONMember]...) -> [RecordMember] {
    var out: [JSONMember] = []
    for layer in layers { out.setAll(layer.lazy.map { ($0.key, $0.value) }) }
    return out.map { RecordMember($0.key, .json($0.value)) }
}

extension [RecordMember] {
    public func merging(_ other: [RecordMember]) -> [RecordMember] {
        if isEmpty { return other }
        var out = self
        out.setAll(other.lazy.map { ($0.key, $0.value) })
        return out
    }
}
