import CollectorCore

/// Encodes a `TraceBatch` (spans, log records, or metrics' protobuf bytes) as spec OTLP/JSON: lowerCamelCase keys, lower-case hex ids,
/// 64-bit integers as decimal strings, enums as integers, bytes as base64.
public struct OTLPJSONEncoder: Sendable {
    public init() {}

    public func encode(_ batch: TraceBatch) -> [UInt8] {
        var w = JSONWriter(capacity: batch.bytes.count * 2)
        w.write(document(batch))
        return w.bytes
    }

    public func document(_ batch: TraceBatch) -> JSONValue {
        switch batch.signal {
        case .traces: return .object([JSONMember("resourceSpans", .array(batch.resources.map { resourceSpans(batch, $0) }))])
        case .logs: return .object([JSONMember("resourceLogs", .array(batch.resources.map { resourceSpans(batch, $0) }))])
        case .metrics: return MetricsTranscoder.json(batch.bytes)
        }
    }

    func resourceSpans(_ b: TraceBatch, _ r: ResourceEntry) -> JSONValue {
        var m: [JSONMember] = []
        if r.hasResource {
            var res = [JSONMember("attributes", attributes(b, r.attributes))]
            if r.droppedAttributesCount > 0 { res.append(JSONMember("droppedAttributesCount", .int(Int64(r.droppedAttributesCount)))) }
            m.append(JSONMember("resource", .object(res)))
        }
        m.append(JSONMember(b.signal == .logs ? "scopeLogs" : "scopeSpans", .array(b.scopes[r.scopes.range].map { scopeSpans(b, $0) })))
        if !r.schemaURL.isEmpty { m.append(JSONMember("schemaUrl", .string(b.string(r.schemaURL)))) }
        return .object(m)
    }

    func scopeSpans(_ b: TraceBatch, _ s: ScopeEntry) -> JSONValue {
        var m: [JSONMember] = []
        if s.hasScope {
            var sc: [JSONMember] = [JSONMember("name", .string(b.string(s.name)))]
            if !s.version.isEmpty { sc.append(JSONMember("version", .string(b.string(s.version)))) }
            if !s.attributes.isEmpty { sc.append(JSONMember("attributes", attributes(b, s.attributes))) }
            if s.droppedAttributesCount > 0 { sc.append(JSONMember("droppedAttributesCount", .int(Int64(s.droppedAttributesCount)))) }
            m.append(JSONMember("scope", .object(sc)))
        }
        if b.signal == .logs {
            m.append(JSONMember("logRecords", .array(b.logRecords[s.logRecords.range].map { logRecord(b, $0) })))
        } else {
            m.append(JSONMember("spans", .array(b.spans[s.spans.range].map { span(b, $0) })))
        }
        if !s.schemaURL.isEmpty { m.append(JSONMember("schemaUrl", .string(b.string(s.schemaURL)))) }
        return .object(m)
    }

    func span(_ b: TraceBatch, _ s: Span) -> JSONValue {
        var m: [JSONMember] = [
            JSONMember("traceId", .string(s.traceID.isZero ? "" : s.traceID.hex)),
            JSONMember("spanId", .string(s.spanID.isZero ? "" : s.spanID.hex)),
        ]
        if !s.traceState.isEmpty { m.append(JSONMember("traceState", .string(b.string(s.traceState)))) }
        if let p = s.parentSpanID { m.append(JSONMember("parentSpanId", .string(p.hex))) }
        if s.flags != 0 { m.append(JSONMember("flags", .int(Int64(s.flags)))) }
        m.append(JSONMember("name", .string(b.string(s.name))))
        if s.kind != 0 { m.append(JSONMember("kind", .int(Int64(s.kind)))) }
        m.append(JSONMember("startTimeUnixNano", .string(String(s.startTimeUnixNano))))
        m.append(JSONMember("endTimeUnixNano", .string(String(s.endTimeUnixNano))))
        if !s.attributes.isEmpty { m.append(JSONMember("attributes", attributes(b, s.attributes))) }
        if s.droppedAttributesCount > 0 { m.append(JSONMember("droppedAttributesCount", .int(Int64(s.droppedAttributesCount)))) }
        if !s.events.isEmpty {
            m.append(
                JSONMember(
                    "events",
                    .array(
                        b.events[s.events.range].map { e in
                            var em: [JSONMember] = [
                                JSONMember("timeUnixNano", .string(String(e.timeUnixNano))),
                                JSONMember("name", .string(b.string(e.name))),
                            ]
                            if !e.attributes.isEmpty { em.append(JSONMember("attributes", attributes(b, e.attributes))) }
                            if e.droppedAttributesCount > 0 { em.append(JSONMember("droppedAttributesCount", .int(Int64(e.droppedAttributesCount)))) }
                            return .object(em)
                        })))
        }
        if s.droppedEventsCount > 0 { m.append(JSONMember("droppedEventsCount", .int(Int64(s.droppedEventsCount)))) }
        if !s.links.isEmpty {
            m.append(
                JSONMember(
                    "links",
                    .array(
                        b.links[s.links.range].map { l in
                            var lm: [JSONMember] = [
                                JSONMember("traceId", .string(l.traceID.isZero ? "" : l.traceID.hex)),
                                JSONMember("spanId", .string(l.spanID.isZero ? "" : l.spanID.hex)),
                            ]
                            if !l.traceState.isEmpty { lm.append(JSONMember("traceState", .string(b.string(l.traceState)))) }
                            if !l.attributes.isEmpty { lm.append(JSONMember("attributes", attributes(b, l.attributes))) }
                            if l.droppedAttributesCount > 0 { lm.append(JSONMember("droppedAttributesCount", .int(Int64(l.droppedAttributesCount)))) }
                            if l.flags != 0 { lm.append(JSONMember("flags", .int(Int64(l.flags)))) }
                            return .object(lm)
                        })))
        }
        if s.droppedLinksCount > 0 { m.append(JSONMember("droppedLinksCount", .int(Int64(s.droppedLinksCount)))) }
        if let st = s.status {
            var sm: [JSONMember] = []
            if !st.message.isEmpty { sm.append(JSONMember("message", .string(b.string(st.message)))) }
            if st.code != 0 { sm.append(JSONMember("code", .int(Int64(st.code)))) }
            m.append(JSONMember("status", .object(sm)))
        }
        return .object(m)
    }

    func logRecord(_ b: TraceBatch, _ r: LogRecord) -> JSONValue {
        var m: [JSONMember] = []
        if r.timeUnixNano != 0 { m.append(JSONMember("timeUnixNano", .string(String(r.timeUnixNano)))) }
        if r.observedTimeUnixNano != 0 { m.append(JSONMember("observedTimeUnixNano", .string(String(r.observedTimeUnixNano)))) }
        if r.severityNumber != 0 { m.append(JSONMember("severityNumber", .int(Int64(r.severityNumber)))) }
        if !r.severityText.isEmpty { m.append(JSONMember("severityText", .string(b.string(r.severityText)))) }
        if let body = r.body { m.append(JSONMember("body", anyValue(b, body))) }
        if !r.attributes.isEmpty { m.append(JSONMember("attributes", attributes(b, r.attributes))) }
        if r.droppedAttributesCount > 0 { m.append(JSONMember("droppedAttributesCount", .int(Int64(r.droppedAttributesCount)))) }
        if r.flags != 0 { m.append(JSONMember("flags", .int(Int64(r.flags)))) }
        if let t = r.traceID { m.append(JSONMember("traceId", .string(t.hex))) }
        if let s = r.spanID { m.append(JSONMember("spanId", .string(s.hex))) }
        if !r.eventName.isEmpty { m.append(JSONMember("eventName", .string(b.string(r.eventName)))) }
        return .object(m)
    }

    func attributes(_ b: TraceBatch, _ slice: TableSlice) -> JSONValue {
        .array(b.attributes[slice.range].map { keyValue(b, $0) })
    }

    func keyValue(_ b: TraceBatch, _ a: Attribute) -> JSONValue {
        .object([JSONMember("key", .string(b.string(a.key))), JSONMember("value", anyValue(b, a.value))])
    }

    func anyValue(_ b: TraceBatch, _ v: AttributeValue) -> JSONValue {
        switch v {
        case .empty: return .object([])
        case .string(let r): return .object([JSONMember("stringValue", .string(b.string(r)))])
        case .bool(let x): return .object([JSONMember("boolValue", .bool(x))])
        case .int(let i): return .object([JSONMember("intValue", .string(String(i)))])
        case .double(let d):
            let value: JSONValue = d.isFinite ? .double(d) : .string(d.isNaN ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"))
            return .object([JSONMember("doubleValue", value)])
        case .bytes(let r): return .object([JSONMember("bytesValue", .string(Base64.encode(b.bytes[r.lowerBound..<r.upperBound])))])
        case .array(let s):
            return .object([JSONMember("arrayValue", .object([JSONMember("values", .array(b.arrayValues[s.range].map { anyValue(b, $0) }))]))])
        case .kvlist(let s):
            return .object([JSONMember("kvlistValue", .object([JSONMember("values", .array(b.nestedAttributes[s.range].map { keyValue(b, $0) }))]))])
        }
    }
}
