import CollectorCore

/// Trace-level identity: user, session, tags, public, release, version, names. From span
/// attributes only (Langfuse reads none of these from the resource except version and release).
extension SpanContext {
    public func userID() -> String? {
        firstTruthyText(MappingTables.userIDKeys) ?? dottedIdentity("langfuse_user_id", telemetry: "userId")
            ?? truthyText(.traceloopUserID)
    }

    public func sessionID() -> String? {
        firstTruthyText(MappingTables.sessionIDKeys) ?? dottedIdentity("langfuse_session_id", telemetry: "sessionId")
            ?? truthyText(.traceloopSessionID)
    }

    private func dottedIdentity(_ suffix: StaticString, telemetry: StaticString) -> String? {
        for f in MappingTables.identityMetadataFamilies {
            if let v = dotted(f, suffix), batch.isTruthy(v) { return batch.stringified(v) }
        }
        if let v = dotted(.aiTelemetryMetadata, telemetry), batch.isTruthy(v) { return batch.stringified(v) }
        return nil
    }

    public func tags() -> [String]? {
        var source: AttributeValue?
        for k in MappingTables.tagKeys { if let v = truthy(k) { source = v; break } }
        if source == nil {
            for f in MappingTables.identityMetadataFamilies {
                if let v = dotted(f, "langfuse_tags"), batch.isTruthy(v) { source = v; break }
            }
        }
        if source == nil, let v = dotted(.aiTelemetryMetadata, "tags"), batch.isTruthy(v) { source = v }
        if source == nil { source = truthy(.tagTags) }
        guard let source else { return nil }
        return Self.tagList(batch.jsonValue(source))
    }

    /// Array → strings; "[...]" → JSON list; "a, b" → split and trimmed; anything else → one tag.
    static func tagList(_ v: JSONValue) -> [String] {
        switch v {
        case .array(let items): return items.map { $0.stringValue ?? JSONWriter.serialize($0) }
        case .string(let s):
            if s.hasPrefix("["), case .array(let items)? = JSONParser.parseIfJSON(s) {
                return items.map { $0.stringValue ?? JSONWriter.serialize($0) }
            }
            if s.contains(",") {
                return s.split(separator: ",").map { String($0).trimmedSpaces }.filter { !$0.isEmpty }
            }
            return [s]
        default: return [JSONWriter.serialize(v)]
        }
    }

    public func isPublic() -> Bool? {
        guard let v = value(.langfuseTracePublic) ?? value(.langfusePublic) else { return nil }
        switch v {
        case .bool(let b): return b
        case .string(let r): return batch.string(r) == "true"
        default: return false
        }
    }

    public func version() -> String? {
        truthyText(.langfuseVersion) ?? resourceValue(.serviceVersion).flatMap { batch.isTruthy($0) ? batch.stringified($0) : nil }
    }

    public func release() -> String? {
        truthyText(.langfuseRelease) ?? resourceValue(.langfuseRelease).flatMap { batch.isTruthy($0) ? batch.stringified($0) : nil }
    }

    /// The observation name (also the fallback trace name). Langfuse names any span by its
    /// `gen_ai.tool.name`; we skip that for a model call, where it is the tool the model asked for
    /// (OpenLIT's chat spans), not the call itself.
    public func observationName(type: ObservationType) -> String {
        if type != .generation && type != .embedding, let t = truthyText(.genAIToolName) { return t }
        if let t = text(.genkitName) { return t }
        if let t = truthyText(.logfireMessage) { return t }
        if let t = text(.aiToolCallName) { return t }
        if let op = text(.aiOperationID) {
            if let fn = text(.aiTelemetryFunctionID) { return "\(fn):\(op)" }
            return op
        }
        return spanName
    }

    public var isRoot: Bool {
        if span.parentSpanID == nil { return true }
        switch value(.langfuseInternalAsRoot) {
        case .bool(true)?: return true
        case .string(let r)?: return batch.string(r) == "true"
        default: return false
        }
    }

    /// Whether a child span carries anything that belongs on its trace.
    public var hasTraceUpdates: Bool {
        if MappingTables.traceUpdateKeys.contains(where: { truthy($0) != nil }) { return true }
        if hasFamily(.langfuseTraceMetadata) { return true }
        let names: [StaticString] = ["langfuse_user_id", "langfuse_session_id", "langfuse_tags"]
        if hasFamily(.langfuseObservationMetadata) {
            for s in names { if let v = dotted(.langfuseObservationMetadata, s), batch.isTruthy(v) { return true } }
        }
        if hasFamily(.aiTelemetryMetadata) {
            for s: StaticString in ["sessionId", "userId", "tags"] {
                if let v = dotted(.aiTelemetryMetadata, s), batch.isTruthy(v) { return true }
            }
        }
        return false
    }
}

extension String {
    var trimmedSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
