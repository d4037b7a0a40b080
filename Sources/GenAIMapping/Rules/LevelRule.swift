import CollectorCore

/// Level, status message, completion start time and prompt link.
extension SpanContext {
    func level() -> ObservationLevel {
        if let raw = text(.langfuseObservationLevel), let level = MappingTables.levels[raw.uppercased()] { return level }
        if span.status?.code == SpanStatus.errorCode { return .error }
        if scopeName == ScopeName.livekit.rawValue, MappingTables.livekitNoiseSpans.contains(spanName) { return .debug }
        return .default
    }

    /// `langfuse.observation.status_message`, else the span status message. Unlike Langfuse, a
    /// failed span without a message takes it from its last `exception` event.
    func statusMessage() -> String? {
        if let m = truthyText(.langfuseObservationStatusMessage) { return m }
        if let st = span.status, !st.message.isEmpty { return batch.string(st.message) }
        guard span.status?.code == SpanStatus.errorCode else { return nil }
        for e in batch.events[span.events.range].reversed() where batch.string(e.name) == SpanEventName.name {
            var type: String?
            var message: String?
            for a in batch.attributes[e.attributes.range] {
                switch batch.string(a.key) {
                case SpanEventName.typeKey: type = batch.stringified(a.value)
                case SpanEventName.messageKey: message = batch.stringified(a.value)
                default: break
                }
            }
            switch (type, message) {
            case let (t?, m?): return "\(t): \(m)"
            case let (nil, m?): return m
            case let (t?, nil): return t
            default: continue
            }
        }
        return nil
    }

    /// A provided ISO date (verbatim), else Vercel's ms-to-first-chunk, else (ours) the GenAI
    /// `time_to_first_chunk` seconds or OpenInference's first-token event.
    func completionStartTime() -> String? {
        if let raw = text(.langfuseObservationCompletionStartTime) {
            var t = raw
            if t.hasPrefix("\""), case .string(let inner)? = JSONParser.parseIfJSON(t) { t = inner }
            if Timestamp.isISO8601Date(t) { return t }
        }
        for key in [AttributeKey.aiResponseMsToFirstChunk, .aiStreamMsToFirstChunk] {
            if let v = value(key), let ms = number(batch.jsonValue(v)), ms >= 0 {
                return Timestamp.iso8601(millis: Int64(span.startTimeUnixNano / 1_000_000) + Int64(ms.rounded(.up)))
            }
        }
        if let v = value(.genAIResponseTimeToFirstChunk), let secs = number(batch.jsonValue(v)), secs >= 0 {
            return Timestamp.iso8601Millis(unixNanos: span.startTimeUnixNano + UInt64(secs * 1e9))
        }
        // Compared as bytes: most spans carry events, few of them these.
        if let e = batch.events[span.events.range].first(where: {
            batch.equals($0.name, SpanEventName.firstTokenEvent) || batch.equals($0.name, SpanEventName.completionChunkEvent)
        }),
           e.timeUnixNano > 0 {
            return Timestamp.iso8601Millis(unixNanos: e.timeUnixNano)
        }
        return nil
    }

    /// Prompt name and version. A half link or a non-integer version drops the link (counted by the
    /// caller); Langfuse drops the whole generation instead.
    func promptLink() -> (name: String, version: Int)?? {
        var name = truthyText(.langfuseObservationPromptName) ?? truthyText(.langfusePromptName)
        var version = value(.langfuseObservationPromptVersion) ?? value(.langfusePromptVersion)
        var versionValue: JSONValue? = version.map { batch.jsonValue($0) }
        if name == nil, version == nil, let v = dotted(.aiTelemetryMetadata, "langfusePrompt") {
            var j = batch.jsonValue(v)
            if case .string(let s) = j, let parsed = JSONParser.parseIfJSON(s) { j = parsed }
            name = j["name"]?.stringValue
            versionValue = j["version"]
            version = nil
        }
        if name == nil && versionValue == nil { return .none }
        guard let name, let versionValue, let n = number(versionValue), n == n.rounded(), n >= 0, n < 1e9 else {
            return .some(nil)
        }
        return .some((name, Int(n)))
    }
}
