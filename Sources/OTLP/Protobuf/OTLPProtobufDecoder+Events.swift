import CollectorCore

/// A span's events and links.
extension Walker {
    mutating func event(_ r: Range<Int>) throws(OTLPDecodingError) {
        var e = SpanEvent()
        var rd = reader(r)
        let first = batch.attributes.count
        while !rd.atEnd {
            let (f, w) = try rd.tag("Span.Event")
            switch f {
            case 1:
                try rd.expect(w, 1, "Span.Event.time_unix_nano")
                e.timeUnixNano = try rd.fixed64("Span.Event.time_unix_nano")
            case 2:
                try rd.expect(w, 2, "Span.Event.name")
                e.name = try rd.string("Span.Event.name")
            case 3:
                try rd.expect(w, 2, "Span.Event.attributes")
                try appendAttribute(try keyValue(try rd.lengthDelimited("Span.Event.attributes"), depth: 0))
            case 4:
                try rd.expect(w, 0, "Span.Event.dropped_attributes_count")
                e.droppedAttributesCount = UInt32(truncatingIfNeeded: try rd.varint("Span.Event.dropped_attributes_count"))
            default:
                try rd.skip(w, field: f, "Span.Event")
            }
        }
        e.attributes = TableSlice(start: first, count: batch.attributes.count - first)
        try charge(TraceBatch.EntrySize.event)
        batch.events.append(e)
    }

    mutating func link(_ r: Range<Int>) throws(OTLPDecodingError) {
        var l = SpanLink()
        var rd = reader(r)
        let first = batch.attributes.count
        while !rd.atEnd {
            let (f, w) = try rd.tag("Span.Link")
            switch f {
            case 1:
                try rd.expect(w, 2, "Span.Link.trace_id")
                let (hi, lo, _) = try rd.idBytes(16, "Span.Link.trace_id")
                l.traceID = TraceID(high: hi, low: lo)
            case 2:
                try rd.expect(w, 2, "Span.Link.span_id")
                l.spanID = SpanID(try rd.idBytes(8, "Span.Link.span_id").0)
            case 3:
                try rd.expect(w, 2, "Span.Link.trace_state")
                l.traceState = try rd.string("Span.Link.trace_state")
            case 4:
                try rd.expect(w, 2, "Span.Link.attributes")
                try appendAttribute(try keyValue(try rd.lengthDelimited("Span.Link.attributes"), depth: 0))
            case 5:
                try rd.expect(w, 0, "Span.Link.dropped_attributes_count")
                l.droppedAttributesCount = UInt32(truncatingIfNeeded: try rd.varint("Span.Link.dropped_attributes_count"))
            case 6:
                try rd.expect(w, 5, "Span.Link.flags")
                l.flags = try rd.fixed32("Span.Link.flags")
            default:
                try rd.skip(w, field: f, "Span.Link")
            }
        }
        l.attributes = TableSlice(start: first, count: batch.attributes.count - first)
        try charge(TraceBatch.EntrySize.link)
        batch.links.append(l)
    }
}
