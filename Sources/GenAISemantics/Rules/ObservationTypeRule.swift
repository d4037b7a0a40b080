import CollectorCore

/// Observation type: the first mapper that yields a valid type wins; otherwise SPAN.
extension SpanContext {
    public func observationType() -> ObservationType {
        if oldPythonSDKGeneration() { return .generation }
        if let t = string(.langfuseObservationType), let type = MappingTables.langfuseTypes[t] { return type }
        if let k = string(.openInferenceSpanKind), let type = MappingTables.openInferenceKinds[k] { return type }
        if let op = string(.genAIOperationName), let type = MappingTables.genAIOperations[op] { return type }
        if let sub = string(.genkitSubtype), let type = MappingTables.genkitSubtypes[sub] { return type }
        if let type = vercelType() { return type }
        if has(.genAIToolName) || has(.genAIToolCallID) { return .tool }
        if has(.flueToolName) || has(.flueToolCallID) { return .tool }
        if has(.flueTaskID) || has(.flueTaskAgent) { return .agent }
        if scopeName == ScopeName.livekit.rawValue {
            if MappingTables.livekitAgentSpans.contains(spanName) { return .agent }
            if MappingTables.livekitToolSpans.contains(spanName) { return .tool }
        }
        if let k = string(.traceloopSpanKind), let type = MappingTables.traceloopKinds[k] { return type }
        for key in MappingTables.modelFallbackKeys where truthy(key) != nil { return .generation }
        return .span
    }

    /// Langfuse Python SDK ≤ 3.3 marked generations as spans; their generation keys give them away.
    private func oldPythonSDKGeneration() -> Bool {
        guard string(.langfuseObservationType) == "span", scopeName == ScopeName.langfuseSDKPrefix.rawValue,
            case .string(let lang)? = resourceValue(.telemetrySDKLanguage), batch.string(lang) == "python"
        else { return false }
        if !scope.version.isEmpty, !versionAtMost(scope.version, major: 3, minor: 3) { return false }
        return MappingTables.generationOnlyKeys.contains { has($0) }
    }

    private func vercelType() -> ObservationType? {
        let operation = string(.operationName)
        let operationID = string(.aiOperationID)
        func matches(_ name: String) -> Bool { operation?.hasPrefix(name) == true || operationID == name }
        if MappingTables.vercelModelKeys.contains(where: { has($0) }) {
            if MappingTables.vercelGenerationOperations.contains(where: matches) { return .generation }
            if MappingTables.vercelEmbeddingOperations.contains(where: matches) { return .embedding }
        }
        if matches(MappingTables.vercelToolOperation) { return .tool }
        return nil
    }
}

/// "3.2.1" ≤ 3.3 → true. Unparseable versions count as new.
func versionAtMost(_ version: String, major: Int, minor: Int) -> Bool {
    let parts = version.split(separator: ".").map { Int($0.prefix(while: \.isNumber)) ?? -1 }
    guard let ma = parts.first, ma >= 0 else { return false }
    let mi = parts.count > 1 ? parts[1] : 0
    return (ma, mi) <= (major, minor)
}
