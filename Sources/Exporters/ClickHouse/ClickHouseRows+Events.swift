import CollectorCore
import ExporterHelper
import GenAIMapping

/// Rows for Langfuse v4's `events_full`: one per observation, with the trace's fields (name, user,
/// session, tags, release, public) from the batch's merged trace repeated on it, as Langfuse's
/// direct OTel path writes them. Times are DateTime64(6) decimal seconds with microseconds; metadata
/// is flattened into `metadata_names`/`metadata_values` by dot-joined path (string leaves as they
/// are, other leaves and arrays as JSON text); the span's resource and scope fill `service_*`,
/// `scope_*` and `telemetry_sdk_*`. Computed columns (`total_cost`, `calculated_*`, `*_length`) are
/// left to ClickHouse.
extension ClickHouseRowEncoder {
    public func events(_ parts: [LangfuseRecords], into out: inout [UInt8]) {
        var traces: [TraceID: TraceRow] = [:]
        for r in traceRows(parts) { traces[r.id] = r }
        events(parts, traces: traces, into: &out)
    }

    /// Rows whose `trace_*` columns come from `traces` (the merged rows, by trace id).
    public func events(_ parts: [LangfuseRecords], traces: [TraceID: TraceRow], into out: inout [UInt8]) {
        for records in parts {
            let sources = SpanSources(records.batch)
            var w = RecordJSONWriter(batch: records.batch, appendingTo: &out)
            for o in records.observations { event(o, trace: traces[o.traceID], sources: sources, &w) }
            w.finish(into: &out)
        }
    }

    func event(_ o: LangfuseObservation, trace t: TraceRow?, sources: SpanSources, _ w: inout RecordJSONWriter) {
        w.beginObject()
        w.field("project_id", projectID)
        w.field("trace_id", o.traceID)
        w.field("span_id", o.id)
        w.key("parent_span_id")
        if let p = o.parentObservationID { w.hex(p) } else { w.string("") }
        w.key("start_time"); micros(o.startTimeUnixNano, &w)
        w.key("end_time")
        if o.type == .event { w.null() } else { micros(max(o.endTimeUnixNano, o.startTimeUnixNano), &w) }
        w.key("completion_start_time")
        if let ms = o.completionStartTime.flatMap(Timestamp.millis(iso:)), ms >= 0 { micros(millis: ms, &w) } else { w.null() }
        w.field("name", o.name)
        w.field("type", o.type.rawValue)
        w.field("environment", o.environment)
        w.field("version", o.version ?? "")
        w.field("release", t?.release ?? "")
        w.field("trace_name", t?.name ?? "")
        w.field("user_id", t?.userID ?? "")
        w.field("session_id", t?.sessionID ?? "")
        w.key("tags"); strings(t?.tags ?? [], &w)
        w.field("level", o.level.rawValue)
        w.field("status_message", o.statusMessage ?? "")
        w.key("public"); w.bool(t?.isPublic ?? false)
        w.field("prompt_id", promptID(o) ?? "")
        w.field("prompt_name", o.promptName ?? "")
        w.key("prompt_version")
        if let v = o.promptVersion, (0...Int(UInt16.max)).contains(v) { w.int(Int64(v)) } else { w.null() }
        w.field("model_id", o.pricedModelID ?? "")
        w.field("provided_model_name", o.model ?? "")
        w.field("model_parameters", o.modelParameters.map { JSONWriter.serialize(.object($0)) } ?? "")
        usageAndCost(o, &w)
        w.key("usage_pricing_tier_id"); nullable(o.pricingTierID, &w)
        w.key("usage_pricing_tier_name"); nullable(o.pricingTierName, &w)
        w.key("input")
        if let v = o.input { stringColumn(v, batch: w.batch, &w) } else { w.string("") }
        w.key("output")
        if let v = o.output { stringColumn(v, batch: w.batch, &w) } else { w.string("") }
        w.key("metadata_names"); flattened(o.metadata, names: true, &w)
        w.key("metadata_values"); flattened(o.metadata, names: false, &w)
        w.field("source", "otel")
        let source = sources.of(o.id)
        w.field("service_name", source.serviceName)
        w.field("service_version", source.serviceVersion)
        w.field("scope_name", source.scopeName)
        w.field("scope_version", source.scopeVersion)
        w.field("telemetry_sdk_language", source.sdkLanguage)
        w.field("telemetry_sdk_name", source.sdkName)
        w.field("telemetry_sdk_version", source.sdkVersion)
        w.key("event_ts"); micros(millis: eventTimeMillis, &w)
        w.key("is_deleted"); w.int(0)
        w.endObject()
        w.newline()
    }

    /// Epoch nanoseconds as decimal seconds with six places, `1716000000.123456`.
    func micros(_ unixNanos: UInt64, _ w: inout RecordJSONWriter) {
        let us = min(unixNanos / 1000, UInt64(Self.maxDateTime64Millis) * 1000 + 999)
        writeMicros(us, &w)
    }

    func micros(millis: Int64, _ w: inout RecordJSONWriter) {
        writeMicros(UInt64(Self.clampedMillis(millis)) * 1000, &w)
    }

    private func writeMicros(_ us: UInt64, _ w: inout RecordJSONWriter) {
        w.decimal(us, places: 6)
    }

    /// Metadata flattened by dot-joined path into parallel arrays (`{"a": {"b": 1}}` → `["a.b"]`,
    /// `["1"]`), one array a call: the paths (`names`) or the values (string leaves as they are, other
    /// leaves and arrays as JSON text), with no document or string built per member.
    func flattened(_ members: [RecordMember], names: Bool, _ w: inout RecordJSONWriter) {
        let batch = w.batch
        var path: [UInt8] = []
        w.beginArray()
        func leaf(_ path: [UInt8], _ value: (inout RecordJSONWriter) -> Void, _ w: inout RecordJSONWriter) {
            if names { w.stringBytes(path) } else { value(&w) }
        }
        func json(_ v: JSONValue, _ path: inout [UInt8], _ w: inout RecordJSONWriter) {
            switch v {
            case .object(let ms) where !ms.isEmpty:
                for m in ms {
                    let mark = path.count
                    path.append(UInt8(ascii: "."))
                    path.append(contentsOf: m.key.utf8)
                    json(m.value, &path, &w)
                    path.removeSubrange(mark...)
                }
            case .string(let s): leaf(path, { $0.string(s) }, &w)
            default: leaf(path, { $0.string(JSONWriter.serialize(v)) }, &w)
            }
        }
        func attribute(_ a: AttributeValue, _ path: inout [UInt8], _ w: inout RecordJSONWriter) {
            switch a {
            case .string(let r): leaf(path, { $0.storedString(r, in: batch) }, &w)
            case .kvlist(let slice) where slice.count > 0:
                for m in batch.nestedAttributes[slice.range] {
                    let mark = path.count
                    path.append(UInt8(ascii: "."))
                    path.append(contentsOf: batch.bytes[m.key.lowerBound..<m.key.upperBound])
                    attribute(m.value, &path, &w)
                    path.removeSubrange(mark...)
                }
            default: json(batch.jsonValue(a), &path, &w)
            }
        }
        for m in members {
            path.removeAll(keepingCapacity: true)
            path.append(contentsOf: m.key.utf8)
            switch m.value {
            case .json(let j): json(j, &path, &w)
            case .attribute(let a): attribute(a, &path, &w)
            case .attributeTexts(let selection):
                let entries = selection.entries(in: batch)
                if entries.isEmpty { leaf(path, { $0.string("{}") }, &w) }
                for (position, valueIndex) in entries {
                    let mark = path.count
                    let key = batch.attributes[position].key
                    path.append(UInt8(ascii: "."))
                    path.append(contentsOf: batch.bytes[key.lowerBound..<key.upperBound])
                    let value = batch.attributes[valueIndex].value
                    if case .string(let r) = value {
                        leaf(path, { $0.storedString(r, in: batch) }, &w)
                    } else {
                        leaf(path, { $0.string(batch.stringified(value)) }, &w)
                    }
                    path.removeSubrange(mark...)
                }
            }
        }
        w.endArray()
    }
}

/// Where each span of a batch came from: its resource's `service.*` and `telemetry.sdk.*`
/// attributes and its scope's name and version.
struct SpanSources {
    struct Source {
        var serviceName = "", serviceVersion = "", scopeName = "", scopeVersion = ""
        var sdkLanguage = "", sdkName = "", sdkVersion = ""
    }

    private var bySpan: [SpanID: Int] = [:]
    private var sources: [Source] = []

    init(_ batch: TraceBatch) {
        for scope in batch.scopes {
            var s = Source()
            if Int(scope.resourceIndex) < batch.resources.count {
                let attributes = batch.resources[Int(scope.resourceIndex)].attributes
                func text(_ key: AttributeKey) -> String {
                    guard let i = batch.attributeIndex(in: attributes, key: key.rawValue), case .string(let r) = batch.attributes[i].value else { return "" }
                    return batch.string(r)
                }
                s.serviceName = text(.serviceName)
                s.serviceVersion = text(.serviceVersion)
                s.sdkLanguage = text(.telemetrySDKLanguage)
                s.sdkName = text(.telemetrySDKName)
                s.sdkVersion = text(.telemetrySDKVersion)
            }
            s.scopeName = batch.string(scope.name)
            s.scopeVersion = batch.string(scope.version)
            sources.append(s)
            for i in scope.spans.range { bySpan[batch.spans[i].spanID] = sources.count - 1 }
        }
    }

    func of(_ span: SpanID) -> Source { bySpan[span].map { sources[$0] } ?? Source() }
}
