import CollectorCore

/// Writes records as a Langfuse public ingestion batch: `{"batch": [{id, timestamp, type, body}]}`,
/// with body field names as the OpenAPI spec defines them. Trace events come first.
public struct IngestionBatchEncoder: Sendable {
    public init() {}

    public func encode(_ records: LangfuseRecords) -> [UInt8] {
        var w = RecordJSONWriter(batch: records.batch, capacity: records.batch.bytes.count + records.observations.count * 1024)
        w.beginObject()
        w.key("batch")
        w.beginArray()
        for t in records.traces { trace(t, &w) }
        for o in records.observations { observation(o, &w) }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    /// One ingestion event per line (JSON Lines), trace events first.
    public func encodeLines(_ records: LangfuseRecords) -> [UInt8] {
        var w = RecordJSONWriter(batch: records.batch, capacity: records.batch.bytes.count + records.observations.count * 1024)
        for t in records.traces { trace(t, &w); w.w.bytes.append(0x0A) }
        for o in records.observations { observation(o, &w); w.w.bytes.append(0x0A) }
        return w.bytes
    }

    /// The events as JSON documents (for tests and tools; `encode` is the fast path).
    public func events(_ records: LangfuseRecords) -> [JSONValue] {
        (try? JSONParser().parse(encode(records)))?["batch"]?.arrayValue ?? []
    }

    func trace(_ t: LangfuseTrace, _ w: inout RecordJSONWriter) {
        envelope(EventID.make(t.id, t.sourceSpanID, kind: 1), t.timestampUnixNano, "trace-create", &w)
        w.field("id", t.id.hex)
        w.field("timestamp", Timestamp.iso8601Millis(unixNanos: t.timestampUnixNano))
        w.field("name", t.name)
        w.field("userId", t.userID)
        w.field("sessionId", t.sessionID)
        w.field("input", t.input)
        w.field("output", t.output)
        w.field("release", t.release)
        w.field("version", t.version)
        if let metadata = t.metadata { w.key("metadata"); w.members(metadata) }
        w.field("tags", t.tags.map { JSONValue.array($0.map(JSONValue.string)) })
        w.field("public", t.isPublic.map(JSONValue.bool))
        w.field("environment", t.environment)
        w.endObject()
        w.endObject()
    }

    func observation(_ o: LangfuseObservation, _ w: inout RecordJSONWriter) {
        envelope(EventID.make(o.traceID, o.id, kind: 2), o.startTimeUnixNano, o.type.ingestionEventType, &w)
        w.field("id", o.id.hex)
        w.field("traceId", o.traceID.hex)
        w.field("parentObservationId", o.parentObservationID?.hex)
        w.field("name", o.name)
        w.field("startTime", Timestamp.iso8601Millis(unixNanos: o.startTimeUnixNano))
        if o.type != .event { w.field("endTime", Timestamp.iso8601Millis(unixNanos: o.endTimeUnixNano)) }
        if o.type.carriesGenerationFields {
            w.field("completionStartTime", o.completionStartTime)
            w.field("model", o.model)
            w.field("modelParameters", o.modelParameters.map(JSONValue.object))
            w.field("usageDetails", o.usageDetails.map { JSONValue.object($0.pairs.map { JSONMember($0.0, .int($0.1)) }) })
            w.field("costDetails", o.costDetails.map { JSONValue.object($0.pairs.map { JSONMember($0.0, .double($0.1)) }) })
            w.field("promptName", o.promptName)
            w.field("promptVersion", o.promptVersion.map { JSONValue.int(Int64($0)) })
        }
        w.field("input", o.input)
        w.field("output", o.output)
        w.key("metadata")
        w.members(o.metadata)
        w.field("level", o.level.rawValue)
        w.field("statusMessage", o.statusMessage)
        w.field("version", o.version)
        w.field("environment", o.environment)
        w.endObject()
        w.endObject()
    }

    /// Opens `{"id":…,"timestamp":…,"type":…,"body":{`; the caller closes both objects.
    private func envelope(_ id: String, _ timestamp: UInt64, _ type: String, _ w: inout RecordJSONWriter) {
        w.beginObject()
        w.field("id", id)
        w.field("timestamp", Timestamp.iso8601Millis(unixNanos: timestamp))
        w.field("type", type)
        w.key("body")
        w.beginObject()
    }
}

/// Ingestion event ids: UUIDv4-shaped and derived from the span, so a re-sent batch carries the
/// same ids and Langfuse can recognise the duplicates.
enum EventID {
    static func make(_ trace: TraceID, _ span: SpanID, kind: UInt64) -> String {
        var hi = mix(trace.high ^ mix(span.value &+ kind))
        var lo = mix(trace.low ^ mix(hi ^ span.value ^ (kind << 32)))
        hi = (hi & ~0xF000) | 0x4000  // version 4
        lo = (lo & ~(0xC << 60)) | (0x8 << 60)  // RFC 4122 variant
        let h = Hex.encode(hi), l = Hex.encode(lo)
        return "\(h.prefix(8))-\(h.dropFirst(8).prefix(4))-\(h.suffix(4))-\(l.prefix(4))-\(l.suffix(12))"
    }

    /// splitmix64's finaliser.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
