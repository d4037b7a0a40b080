import CollectorCore

/// Level, status message, completion start time and prompt link.
extension SpanContext {
    public func level() -> ObservationLevel {
        if let raw = text(.langfuseObservationLevel), let level = MappingTables.levels[raw.uppercased()] { return level }
        if span.status?.code == SpanStatus.errorCode { return .error }
        if scopeName == ScopeName.livekit.rawValue, MappingTables.livekitNoiseSpans.contains(spanName) { return .debug }
        return .default
    }

    /// `langfuse.observation.status_message`, else the span status message. Unlike Langfuse, a
    /// failed span without a message takes it from its last `exception` event.
    public func statusMessage() -> String? {
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
    /// `time_to_first_chunk` seconds or OpenInference's first-token event. A delay that is not a
    /// finite number of at most `maxFirstChunkDelayNanos` is unusable (`.invalid`, counted by the caller).
    public func completionStartTime() -> CompletionStart {
        if let raw = text(.langfuseObservationCompletionStartTime) {
            var t = raw
            if t.hasPrefix("\""), case .string(let inner)? = JSONParser.parseIfJSON(t) { t = inner }
            if Timestamp.isISO8601Date(t) { return .time(t) }
        }
        for key in MappingTables.firstChunkDelayKeys {
            if let v = value(key), let ms = number(batch.jsonValue(v)), ms >= 0 {
                return Self.after(span.startTimeUnixNano, delayNanos: ms.rounded(.up) * 1e6)
            }
        }
        if let v = value(.genAIResponseTimeToFirstChunk), let secs = number(batch.jsonValue(v)), secs >= 0 {
            return Self.after(span.startTimeUnixNano, delayNanos: secs * 1e9)
        }
        // Compared as bytes: most spans carry events, few of them these.
        if let e = batch.events[span.events.range].first(where: {
            batch.equals($0.name, SpanEventName.firstTokenEvent) || batch.equals($0.name, SpanEventName.completionChunkEvent)
        }),
            e.timeUnixNano > 0
        {
            return .time(Timestamp.iso8601Millis(unixNanos: e.timeUnixNano))
        }
        return .none
    }

    public enum CompletionStart: Equatable {
        case none
        case time(String)
        /// A delay that is infinite, not a number or absurdly long.
        case invalid

        var time: String? { if case .time(let t) = self { return t }; return nil }
    }

    /// A week: no model call waits longer for its first token; anything beyond is a unit mistake or an attack.
    static let maxFirstChunkDelayNanos: Double = 7 * 86_400 * 1e9

    /// The start plus a delay, in integer arithmetic only once the delay is known to fit.
    static func after(_ startUnixNanos: UInt64, delayNanos: Double) -> CompletionStart {
        guard delayNanos.isFinite, delayNanos >= 0, delayNanos <= maxFirstChunkDelayNanos,
            let delay = UInt64(exactly: delayNanos.rounded(.down))
        else { return .invalid }
        let (sum, overflow) = startUnixNanos.addingReportingOverflow(delay)
        return overflow ? .invalid : .time(Timestamp.iso8601Millis(unixNanos: sum))
    }

    /// Prompt name and version. A half link or a non-integer version drops the link (counted by the
    /// caller); Langfuse drops the whole generation instead.
    public func promptLink() -> (name: String, version: Int)?? {
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
