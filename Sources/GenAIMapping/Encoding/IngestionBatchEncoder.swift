import CollectorCore

/// Writes records as a Langfuse public ingestion batch: `{"batch": [{id, timestamp, type, body}]}`,
/// with body field names as the OpenAPI spec defines them. Trace events come first.
public struct IngestionBatchEncoder: Sendable {
    public init() {}

    public func encode(_ records: LangfuseRecords) -> [UInt8] {
        var w = JSONWriter(capacity: 4096)
        w.write(.object([JSONMember("batch", .array(events(records)))]))
        return w.bytes
    }

    public func events(_ records: LangfuseRecords) -> [JSONValue] {
        records.traces.map(traceEvent) + records.observations.map(observationEvent)
    }

    public func traceEvent(_ t: LangfuseTrace) -> JSONValue {
        var body: [JSONMember] = [
            JSONMember("id", .string(t.id.hex)),
            JSONMember("timestamp", .string(Timestamp.iso8601Millis(unixNanos: t.timestampUnixNano))),
        ]
        body.put("name", t.name.map(JSONValue.string))
        body.put("userId", t.userID.map(JSONValue.string))
        body.put("sessionId", t.sessionID.map(JSONValue.string))
        body.put("input", t.input)
        body.put("output", t.output)
        body.put("release", t.release.map(JSONValue.string))
        body.put("version", t.version.map(JSONValue.string))
        body.put("metadata", t.metadata.map(JSONValue.object))
        body.put("tags", t.tags.map { .array($0.map(JSONValue.string)) })
        body.put("public", t.isPublic.map(JSONValue.bool))
        body.append(JSONMember("environment", .string(t.environment)))
        return envelope(id: EventID.make(t.id, t.sourceSpanID, kind: 1), timestamp: t.timestampUnixNano,
                        type: "trace-create", body: body)
    }

    public func observationEvent(_ o: LangfuseObservation) -> JSONValue {
        var body: [JSONMember] = [
            JSONMember("id", .string(o.id.hex)),
            JSONMember("traceId", .string(o.traceID.hex)),
        ]
        body.put("parentObservationId", o.parentObservationID.map { .string($0.hex) })
        body.append(JSONMember("name", .string(o.name)))
        body.append(JSONMember("startTime", .string(Timestamp.iso8601Millis(unixNanos: o.startTimeUnixNano))))
        if o.type != .event {
            body.append(JSONMember("endTime", .string(Timestamp.iso8601Millis(unixNanos: o.endTimeUnixNano))))
        }
        if o.type.carriesGenerationFields {
            body.put("completionStartTime", o.completionStartTime.map(JSONValue.string))
            body.put("model", o.model.map(JSONValue.string))
            body.put("modelParameters", o.modelParameters.map(JSONValue.object))
            body.put("usageDetails", o.usageDetails.map { .object($0.pairs.map { JSONMember($0.0, .int($0.1)) }) })
            body.put("costDetails", o.costDetails.map { .object($0.pairs.map { JSONMember($0.0, .double($0.1)) }) })
            body.put("promptName", o.promptName.map(JSONValue.string))
            body.put("promptVersion", o.promptVersion.map { .int(Int64($0)) })
        }
        body.put("input", o.input)
        body.put("output", o.output)
        body.append(JSONMember("metadata", .object(o.metadata)))
        body.append(JSONMember("level", .string(o.level.rawValue)))
        body.put("statusMessage", o.statusMessage.map(JSONValue.string))
        body.put("version", o.version.map(JSONValue.string))
        body.append(JSONMember("environment", .string(o.environment)))
        return envelope(id: EventID.make(o.traceID, o.id, kind: 2), timestamp: o.startTimeUnixNano,
                        type: o.type.ingestionEventType, body: body)
    }

    private func envelope(id: String, timestamp: UInt64, type: String, body: [JSONMember]) -> JSONValue {
        .object([
            JSONMember("id", .string(id)),
            JSONMember("timestamp", .string(Timestamp.iso8601Millis(unixNanos: timestamp))),
            JSONMember("type", .string(type)),
            JSONMember("body", .object(body)),
        ])
    }
}

extension [JSONMember] {
    /// Appends only present values: absent fields are left out rather than sent as null.
    mutating func put(_ key: String, _ value: JSONValue?) {
        if let value { append(JSONMember(key, value)) }
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
