import CollectorCore
import GenAIMapping
import GenAISemantics

/// Scores as rows of Langfuse's `scores` table (v3 and v4 share it): the columns its migrations
/// define, deduplicated by id (ReplacingMergeTree on `event_ts`), so a re-sent score replaces itself.
extension ClickHouseRowEncoder {
    public func scores(_ parts: [LangfuseRecords], into out: inout [UInt8]) {
        for records in parts where !records.scores.isEmpty {
            var w = RecordJSONWriter(batch: records.batch, appendingTo: &out)
            for s in records.scores { score(s, &w) }
            w.finish(into: &out)
        }
    }

    func score(_ s: LangfuseScore, _ w: inout RecordJSONWriter) {
        w.beginObject()
        w.field("id", s.id)
        w.key("timestamp"); time(Self.millis(s.timestampUnixNano), &w)
        w.field("project_id", projectID)
        w.field("environment", s.environment)
        w.key("trace_id"); w.hex(s.traceID)
        w.key("observation_id")
        if let o = s.observationID { w.hex(o) } else { w.null() }
        w.field("name", s.name)
        w.key("value"); w.double(s.value)
        w.field("source", s.source)
        w.key("comment"); nullable(s.comment, &w)
        w.key("metadata"); metadata(s.metadata.map { RecordMember($0.key, .json($0.value)) }, &w)
        w.key("config_id"); w.null()
        w.field("data_type", s.dataType.rawValue)
        w.key("string_value"); nullable(s.stringValue, &w)
        w.key("event_ts"); time(eventTimeMillis, &w)
        w.key("is_deleted"); w.int(0)
        w.field("long_string_value", "")
        w.key("execution_trace_id")
        if let t = s.executionTraceID { w.hex(t) } else { w.null() }
        w.endObject()
        w.newline()
    }
}
