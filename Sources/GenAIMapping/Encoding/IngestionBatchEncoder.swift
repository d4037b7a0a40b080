import CollectorCore

/// Writes records as a Langfuse public ingestion batch: `{"batch": [{id, timestamp, type, body}]}`,
/// with body field names as the OpenAPI spec defines them. Trace events come first.
public struct IngestionBatchEncoder: Sendable {
    public init() {}

    public func encode(_ records: LangfuseRecords) -> [UInt8] {
        var w = RecordJSONWriter(batch: records.batch, capacity: records.batch.bytes.count * 2 + records.observations.count * 1024)
        w.beginObject()
        w.key("batch")
        w.beginArray()
        for t in records.traces { trace(t, &w) }
        for o in records.observations { observation(o, &w) }
        for sc in records.scores { score(sc, &w) }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    /// One ingestion event per line (JSON Lines), trace events first.
    public func encodeLines(_ records: LangfuseRecords) -> [UInt8] {
        encodeLines([records])
    }

    /// The parts of a batch into one buffer, sized once for all of them (no regrowth or concatenation).
    public func encodeLines(_ parts: [LangfuseRecords]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(parts.reduce(0) { $0 + $1.batch.bytes.count * 2 + $1.observations.count * 1024 })
        for records in parts {
            var w = RecordJSONWriter(batch: records.batch, appendingTo: &out)
            for t in records.traces { trace(t, &w); w.newline() }
            for o in records.observations { observation(o, &w); w.newline() }
            for sc in records.scores { score(sc, &w); w.newline() }
            w.finish(into: &out)
        }
        return out
    }

    /// Only the scores' `score-create` events, one per line (for a sink that gets the spans by OTLP,
    /// which does not make scores of evaluation events).
    public func encodeScoreLines(_ parts: [LangfuseRecords]) -> [UInt8] {
        var out: [UInt8] = []
        for records in parts where !records.scores.isEmpty {
            var w = RecordJSONWriter(batch: records.batch, appendingTo: &out)
            for sc in records.scores { score(sc, &w); w.newline() }
            w.finish(into: &out)
        }
        return out
    }

    /// The events as JSON documents (for tests and tools; `encode` is the fast path).
    public func events(_ records: LangfuseRecords) -> [JSONValue] {
        (try? JSONParser().parse(encode(records)))?["batch"]?.arrayValue ?? []
    }

    func trace(_ t: LangfuseTrace, _ w: inout RecordJSONWriter) {
        envelope(t.id, t.sourceSpanID, kind: 1, t.timestampUnixNano, "trace-create", &w)
        w.field("id", t.id)
        w.key("timestamp"); w.isoTime(unixNanos: t.timestampUnixNano)
        w.field("name", t.name)
        w.field("userId", t.userID)
        w.field("sessionId", t.sessionID)
        w.field("input", t.input)
        w.field("output", t.output)
        w.field("release", t.release)
        w.field("version", t.version)
        if let metadata = t.metadata { w.key("metadata"); w.members(metadata) }
        if let tags = t.tags {
            w.key("tags")
            w.beginArray()
            for tag in tags { w.string(tag) }
            w.endArray()
        }
        if let p = t.isPublic { w.key("public"); w.bool(p) }
        w.field("environment", t.environment)
        w.endObject()
        w.endObject()
    }

    func observation(_ o: LangfuseObservation, _ w: inout RecordJSONWriter) {
        envelope(o.traceID, o.id, kind: 2, o.startTimeUnixNano, o.type.ingestionEventType, &w)
        w.field("id", o.id)
        w.field("traceId", o.traceID)
        w.field("parentObservationId", o.parentObservationID)
        w.field("name", o.name)
        w.key("startTime"); w.isoTime(unixNanos: o.startTimeUnixNano)
        if o.type != .event { w.key("endTime"); w.isoTime(unixNanos: o.endTimeUnixNano) }
        if o.type.carriesGenerationFields {
            w.field("completionStartTime", o.completionStartTime)
            w.field("model", o.model)
            w.field("modelParameters", o.modelParameters.map(JSONValue.object))
            if let u = o.usageDetails {
                w.key("usageDetails")
                w.beginObject()
                for (k, v) in zip(u.keys, u.values) { w.key(dynamic: k); w.int(v) }
                w.endObject()
            }
            if let c = o.costDetails {
                w.key("costDetails")
                w.beginObject()
                for (k, v) in zip(c.keys, c.values) { w.key(dynamic: k); w.double(v) }
                w.endObject()
            }
            w.field("promptName", o.promptName)
            if let v = o.promptVersion { w.key("promptVersion"); w.int(Int64(v)) }
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
    /// `score-create`, with the fields of the OpenAPI `ScoreBody`, and `source` for an evaluator's
    /// score: the spec does not list it, but Langfuse's ingestion takes `EVAL` there (its own
    /// evaluators write that way); without it a score is an API score.
    func score(_ s: LangfuseScore, _ w: inout RecordJSONWriter) {
        // The event's id differs from the score's (another kind), one per score name.
        envelope(s.traceID, s.observationID ?? .zero, kind: LangfuseScore.nameHash(s.name) | 0x3C00_0000_0000_0000, s.timestampUnixNano, "score-create", &w)
        w.field("id", s.id)
        w.field("traceId", s.traceID)
        w.field("observationId", s.observationID)
        w.field("name", s.name)
        w.key("value")
        if s.dataType == .categorical { w.string(s.stringValue ?? "") } else { w.double(s.value) }
        w.field("dataType", s.dataType.rawValue)
        w.field("comment", s.comment)
        w.field("environment", s.environment)
        if s.source != "API" { w.field("source", s.source) }
        if !s.metadata.isEmpty { w.key("metadata"); w.json(.object(s.metadata)) }
        if let t = s.executionTraceID { w.field("executionTraceId", t) }
        w.endObject()
        w.endObject()
    }

    private func envelope(_ trace: TraceID, _ span: SpanID, kind: UInt64, _ timestamp: UInt64, _ type: String, _ w: inout RecordJSONWriter) {
        w.beginObject()
        w.key("id"); EventID.write(trace, span, kind: kind, &w)
        w.key("timestamp"); w.isoTime(unixNanos: timestamp)
        w.field("type", type)
        w.key("body")
        w.beginObject()
    }
}

/// Ingestion event ids: UUIDv4-shaped and derived from the span, so a re-sent batch carries the
/// same ids and Langfuse can recognise the duplicates.
enum EventID {
    static func words(_ trace: TraceID, _ span: SpanID, kind: UInt64) -> (UInt64, UInt64) {
        var hi = mix(trace.high ^ mix(span.value &+ kind))
        var lo = mix(trace.low ^ mix(hi ^ span.value ^ (kind << 32)))
        hi = (hi & ~0xF000) | 0x4000  // version 4
        lo = (lo & ~(0xC << 60)) | (0x8 << 60)  // RFC 4122 variant
        return (hi, lo)
    }

    /// The id as UUID text, quoted, written in place.
    static func write(_ trace: TraceID, _ span: SpanID, kind: UInt64, _ w: inout RecordJSONWriter) {
        let (hi, lo) = words(trace, span, kind: kind)
        w.uuid(hi, lo)
    }

    /// splitmix64's finaliser.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
