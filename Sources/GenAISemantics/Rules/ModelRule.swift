import CollectorCore

/// Model name and model parameters.
extension SpanContext {
    /// Langfuse strips model, usage and cost from `invoke_agent`/`agent_step` for every library;
    /// we strip them only where the agent span is an aggregate (`aggregatingAgentScopes`).
    var isAggregateAgentSpan: Bool {
        guard MappingTables.aggregatingAgentScopes.contains(scope.name), let op = string(.genAIOperationName) else { return false }
        return MappingTables.agentAggregateOperations.contains(op)
    }

    /// Marked by `agent_attribution` as repeating its descendants' usage: its usage and cost are
    /// kept apart (metadata), so a sum over the trace counts each model call once.
    public var isMarkedAggregate: Bool { truthy(.collectorUsageAggregate) != nil }

    public func modelName() -> String? {
        if isAggregateAgentSpan { return nil }
        for key in MappingTables.modelNameKeys {
            if let t = truthyText(key) { return t }
        }
        if string(.genkitSubtype) == "model", let name = truthyText(.genkitName) { return name }
        return nil
    }

    public func modelParameters() -> [JSONMember]? {
        var explicit: [JSONMember]?
        if let v = parsedJSON(.langfuseObservationModelParameters), case .object(let members) = v {
            explicit = members.map { JSONMember($0.key, parameterValue($0.value)) }
        }
        if scopeName == ScopeName.vercelAI.rawValue {
            var params = vercelParameters()
            params.setAll((explicit ?? []).lazy.map { ($0.key, $0.value) })
            return params.isEmpty ? nil : params
        }
        if let explicit { return explicit }
        if scopeName == ScopeName.genkit.rawValue {
            let config = parsedJSON(.genkitInput)?["config"] ?? parsedJSON(.genkitOutput)?["request"]?["config"]
            if case .object(let members)? = config { return members.map { JSONMember($0.key, parameterValue($0.value)) } }
        }
        for key in MappingTables.modelParameterObjectKeys {
            if case .object(let members)? = parsedJSON(key) { return members.map { JSONMember($0.key, parameterValue($0.value)) } }
        }
        var params: [JSONMember] = []
        for family in MappingTables.modelParameterFamilies where hasFamily(family) {
            let id = UInt8(family.ordinal)
            let prefixLength = family.rawValue.utf8.count
            params.setAll(
                index.prefixed.lazy.filter { $0.family == id }.compactMap { p -> (String, JSONValue)? in
                    let a = batch.attributes[Int(p.index)]
                    let suffix = ByteRange(start: Int(a.key.start) + prefixLength, count: Int(a.key.count) - prefixLength)
                    if batch.equals(suffix, "model") { return nil }
                    return (text(suffix), parameterValue(batch.jsonValue(a.value)))
                })
        }
        return params.isEmpty ? nil : params
    }

    private func vercelParameters() -> [JSONMember] {
        func text(_ keys: AttributeKey...) -> JSONValue {
            for k in keys { if let t = self.text(k) { return .string(t) } }
            return .null
        }
        var serviceTier: JSONValue = text(.genAIRequestServiceTier)
        if let tier = parsedJSON(.aiResponseProviderMetadata)?["openai"]?["serviceTier"] {
            serviceTier = .string(tier.stringValue ?? JSONWriter.serialize(tier))
        }
        return [
            JSONMember("maxSteps", text(.aiSettingsMaxSteps)),
            JSONMember("toolChoice", text(.aiPromptToolChoice)),
            JSONMember("maxTokens", text(.genAIRequestMaxTokens)),
            JSONMember("finishReason", text(.genAIResponseFinishReasons, .genAIFinishReasonLegacy)),
            JSONMember("system", text(.genAISystem, .aiModelProvider)),
            JSONMember("maxRetries", text(.aiSettingsMaxRetries)),
            JSONMember("mode", text(.aiSettingsMode)),
            JSONMember("temperature", text(.genAIRequestTemperature)),
            JSONMember("service_tier", serviceTier),
        ].filter { $0.value != .null }  // ours: absent settings are left out, not sent as null
    }

    /// Strings and numbers stay; anything else becomes JSON text (the API's MapValue).
    private func parameterValue(_ v: JSONValue) -> JSONValue {
        switch v {
        case .string, .int, .double, .null: return v
        default: return .string(JSONWriter.serialize(v))
        }
    }
}
