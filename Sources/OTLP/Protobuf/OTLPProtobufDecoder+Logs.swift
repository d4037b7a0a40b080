import CollectorCore

extension Walker {
    /// One `LogRecord`: scalars and attributes in one pass; the body is decoded after the
    /// attributes so the record's attributes stay one contiguous slice.
    mutating func logRecord(_ r: Range<Int>) throws(OTLPDecodingError) {
        var rec = LogRecord()
        var body = Occurrences()
        var rd = reader(r)
        let firstAttribute = batch.attributes.count
        while !rd.atEnd {
            let (f, w) = try rd.tag("LogRecord")
            switch f {
            case 1:
                try rd.expect(w, 1, "LogRecord.time_unix_nano")
                rec.timeUnixNano = try rd.fixed64("LogRecord.time_unix_nano")
            case 2:
                try rd.expect(w, 0, "LogRecord.severity_number")
                rec.severityNumber = Int32(truncatingIfNeeded: try rd.varint("LogRecord.severity_number"))
            case 3:
                try rd.expect(w, 2, "LogRecord.severity_text")
                rec.severityText = try rd.string("LogRecord.severity_text")
            case 5:
                try rd.expect(w, 2, "LogRecord.body")
                body.add(try rd.lengthDelimited("LogRecord.body"))
            case 6:
                try rd.expect(w, 2, "LogRecord.attributes")
                try appendAttribute(try keyValue(try rd.lengthDelimited("LogRecord.attributes"), depth: 0))
            case 7:
                try rd.expect(w, 0, "LogRecord.dropped_attributes_count")
                rec.droppedAttributesCount = UInt32(truncatingIfNeeded: try rd.varint("LogRecord.dropped_attributes_count"))
            case 8:
                try rd.expect(w, 5, "LogRecord.flags")
                rec.flags = try rd.fixed32("LogRecord.flags")
            case 9:
                try rd.expect(w, 2, "LogRecord.trace_id")
                let (hi, lo, present) = try rd.idBytes(16, "LogRecord.trace_id")
                rec.traceID = present ? TraceID(high: hi, low: lo) : nil
            case 10:
                try rd.expect(w, 2, "LogRecord.span_id")
                let (v, _, present) = try rd.idBytes(8, "LogRecord.span_id")
                rec.spanID = present ? SpanID(v) : nil
            case 11:
                try rd.expect(w, 1, "LogRecord.observed_time_unix_nano")
                rec.observedTimeUnixNano = try rd.fixed64("LogRecord.observed_time_unix_nano")
            case 12:
                try rd.expect(w, 2, "LogRecord.event_name")
                rec.eventName = try rd.string("LogRecord.event_name")
            default:
                try rd.skip(w, field: f, "LogRecord")
            }
        }
        rec.attributes = TableSlice(start: firstAttribute, count: batch.attributes.count - firstAttribute)
        if !body.isEmpty { rec.body = try anyValue(body, depth: 0) }
        try charge(TraceBatch.EntrySize.logRecord)
        batch.logRecords.append(rec)
    }
}
