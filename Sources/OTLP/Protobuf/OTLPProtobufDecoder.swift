import CollectorCore

/// Decodes a binary `ExportTraceServiceRequest` (or `TracesData`, which shares its layout), or an
/// `ExportLogsServiceRequest`, into a `TraceBatch` in one pass over the bytes. The request bytes become the batch's byte store:
/// strings are validated in place and kept as ranges, so nothing is copied per value.
public struct OTLPProtobufDecoder: Sendable {
    /// Maximum nesting of array/kvlist attribute values.
    public var maxValueDepth: Int
    /// Budget for the decoded tables (`TraceBatch.tableBytes`): a two-byte empty span becomes a
    /// table entry of over a hundred bytes, so a small body could otherwise decode to gigabytes.
    public var maxDecodedBytes: Int

    public init(maxValueDepth: Int = 32, maxDecodedBytes: Int = 64 << 20) {
        self.maxValueDepth = maxValueDepth
        self.maxDecodedBytes = maxDecodedBytes
    }

    /// `reserve`, when given, is told the decoded bytes so far as they grow (in steps of
    /// `reserveStep`); when it answers false decoding stops with `overMemoryBudget`.
    public func decode(_ bytes: [UInt8], signal: Signal = .traces, reserve: ((Int) -> Bool)? = nil) throws(OTLPDecodingError) -> TraceBatch {
        if signal == .metrics { return try MetricsTranscoder.batch(bytes) }
        var batch = TraceBatch(bytes: bytes)
        batch.signal = signal
        // Tables grow only as input is consumed (each entry costs at least two input bytes),
        // so memory stays proportional to the request; these guesses only save regrowth.
        if signal == .logs { batch.logRecords.reserveCapacity(bytes.count / 512) } else { batch.spans.reserveCapacity(bytes.count / 1024) }
        batch.attributes.reserveCapacity(bytes.count / 96)
        if let reserve, !reserve(batch.tableBytes) { throw OTLPDecodingError(.overMemoryBudget, field: "") }
        try bytes.withUnsafeBufferPointer { (buf) throws(OTLPDecodingError) in
            guard let base = buf.baseAddress, !buf.isEmpty else { return }
            var walker = Walker(
                base: base, maxDepth: maxValueDepth, batch: batch, budget: maxDecodedBytes, limit: maxDecodedBytes,
                reserve: reserve, reservedUpTo: batch.tableBytes)
            batch = TraceBatch()  // drop the second reference so tables are uniquely owned
            try walker.request(0..<buf.count)
            batch = walker.batch
        }
        return batch
    }
}

/// Decoded bytes between two calls of a decoder's memory reserver.
public let reserveStep = 256 << 10
/// Memory a growing table holds at its peak, per byte of entries (see `Walker.charge`).
public let tableGrowthFactor = 3

/// The recursive-descent walker; one method per OTLP message.
struct Walker {
    let base: UnsafePointer<UInt8>
    let maxDepth: Int
    var batch: TraceBatch
    /// Decoded bytes still allowed (scratch lists are charged too: they are memory while they live).
    var budget: Int
    let limit: Int
    let reserve: ((Int) -> Bool)?
    /// Decoded bytes the reserver has been told of; it is asked again a step beyond.
    var reservedUpTo: Int
    var arrayScratch: [[AttributeValue]] = []
    var kvlistScratch: [[Attribute]] = []

    @inline(__always)
    mutating func charge(_ bytes: Int) throws(OTLPDecodingError) {
        budget -= bytes
        if budget < 0 { throw OTLPDecodingError(.decodedTooLarge(limit: limit), field: "") }
        if limit - budget > reservedUpTo, let reserve {
            // Ask a step ahead. A table holds up to twice its entries (arrays double), and while it
            // grows the old and new buffers both live: three times the entries at the peak.
            reservedUpTo = max(reservedUpTo * 2, limit - budget + reserveStep)
            guard reserve(reservedUpTo * tableGrowthFactor) else { throw OTLPDecodingError(.overMemoryBudget, field: "") }
        }
    }

    mutating func appendAttribute(_ a: Attribute) throws(OTLPDecodingError) {
        try charge(TraceBatch.EntrySize.attribute)
        batch.attributes.append(a)
    }

    func reader(_ r: Range<Int>) -> WireReader { WireReader(base: base, pos: r.lowerBound, end: r.upperBound) }

    /// The message names of one signal's request, for errors that say where the input is wrong.
    struct Shape {
        let request, items, resource, resourceField, scopes, schema, scopeMessage, scopeField, entries, scopeSchema: StaticString
        static let traces = Shape(
            request: "ExportTraceServiceRequest", items: "ExportTraceServiceRequest.resource_spans", resource: "ResourceSpans",
            resourceField: "ResourceSpans.resource", scopes: "ResourceSpans.scope_spans", schema: "ResourceSpans.schema_url",
            scopeMessage: "ScopeSpans", scopeField: "ScopeSpans.scope", entries: "ScopeSpans.spans", scopeSchema: "ScopeSpans.schema_url")
        static let logs = Shape(
            request: "ExportLogsServiceRequest", items: "ExportLogsServiceRequest.resource_logs", resource: "ResourceLogs",
            resourceField: "ResourceLogs.resource", scopes: "ResourceLogs.scope_logs", schema: "ResourceLogs.schema_url",
            scopeMessage: "ScopeLogs", scopeField: "ScopeLogs.scope", entries: "ScopeLogs.log_records", scopeSchema: "ScopeLogs.schema_url")
    }

    var shape: Shape { batch.signal == .logs ? .logs : .traces }

    mutating func request(_ r: Range<Int>) throws(OTLPDecodingError) {
        let shape = shape
        var rd = reader(r)
        while !rd.atEnd {
            let (f, w) = try rd.tag(shape.request)
            if f == 1 {
                try rd.expect(w, 2, shape.items)
                try resourceEntry(try rd.lengthDelimited(shape.items))
            } else {
                try rd.skip(w, field: f, shape.request)
            }
        }
    }

    /// Two passes: the `resource` (all its occurrences, merged as protobuf merges a singular
    /// message sent twice: attributes appended, scalars last-wins) and the schema URL, then the
    /// scope spans (or logs); so the resource's attributes stay one contiguous slice.
    mutating func resourceEntry(_ r: Range<Int>) throws(OTLPDecodingError) {
        let shape = shape
        var entry = ResourceEntry()
        let index = batch.resources.count
        let firstScope = batch.scopes.count
        let firstAttribute = batch.attributes.count
        var rd = reader(r)
        var hasScopes = false
        while !rd.atEnd {
            let (f, w) = try rd.tag(shape.resource)
            switch f {
            case 1:
                try rd.expect(w, 2, shape.resourceField)
                entry.hasResource = true
                try resource(try rd.lengthDelimited(shape.resourceField), into: &entry)
            case 2:
                try rd.expect(w, 2, shape.scopes)
                _ = try rd.lengthDelimited(shape.scopes)
                hasScopes = true
            case 3:
                try rd.expect(w, 2, shape.schema)
                entry.schemaURL = try rd.string(shape.schema)
            default:
                try rd.skip(w, field: f, shape.resource)
            }
        }
        entry.attributes = TableSlice(start: firstAttribute, count: batch.attributes.count - firstAttribute)
        if hasScopes {
            var rd2 = reader(r)
            while !rd2.atEnd {
                let (f, w) = try rd2.tag(shape.resource)
                if f == 2 {
                    try scopeEntry(try rd2.lengthDelimited(shape.scopes), resource: index)
                } else {
                    try rd2.skip(w, field: f, shape.resource)
                }
            }
        }
        entry.scopes = TableSlice(start: firstScope, count: batch.scopes.count - firstScope)
        try charge(TraceBatch.EntrySize.resource)
        batch.resources.append(entry)
    }

    /// One occurrence of `Resource`; attributes are appended to the table (see `resourceSpans`).
    mutating func resource(_ r: Range<Int>, into entry: inout ResourceEntry) throws(OTLPDecodingError) {
        var rd = reader(r)
        while !rd.atEnd {
            let (f, w) = try rd.tag("Resource")
            switch f {
            case 1:
                try rd.expect(w, 2, "Resource.attributes")
                try appendAttribute(try keyValue(try rd.lengthDelimited("Resource.attributes"), depth: 0))
            case 2:
                try rd.expect(w, 0, "Resource.dropped_attributes_count")
                entry.droppedAttributesCount = UInt32(truncatingIfNeeded: try rd.varint("Resource.dropped_attributes_count"))
            default:
                try rd.skip(w, field: f, "Resource")
            }
        }
    }

    /// As `resourceEntry`: every `scope` occurrence merged first, then the spans (or log records).
    mutating func scopeEntry(_ r: Range<Int>, resource: Int) throws(OTLPDecodingError) {
        let shape = shape
        let logs = batch.signal == .logs
        var entry = ScopeEntry()
        entry.resourceIndex = UInt32(resource)
        let firstEntry = logs ? batch.logRecords.count : batch.spans.count
        let firstAttribute = batch.attributes.count
        var rd = reader(r)
        var hasEntries = false
        while !rd.atEnd {
            let (f, w) = try rd.tag(shape.scopeMessage)
            switch f {
            case 1:
                try rd.expect(w, 2, shape.scopeField)
                entry.hasScope = true
                try scope(try rd.lengthDelimited(shape.scopeField), into: &entry)
            case 2:
                try rd.expect(w, 2, shape.entries)
                _ = try rd.lengthDelimited(shape.entries)
                hasEntries = true
            case 3:
                try rd.expect(w, 2, shape.scopeSchema)
                entry.schemaURL = try rd.string(shape.scopeSchema)
            default:
                try rd.skip(w, field: f, shape.scopeMessage)
            }
        }
        entry.attributes = TableSlice(start: firstAttribute, count: batch.attributes.count - firstAttribute)
        if hasEntries {
            var rd2 = reader(r)
            while !rd2.atEnd {
                let (f, w) = try rd2.tag(shape.scopeMessage)
                guard f == 2 else {
                    try rd2.skip(w, field: f, shape.scopeMessage)
                    continue
                }
                let item = try rd2.lengthDelimited(shape.entries)
                if logs { try logRecord(item) } else { try span(item) }
            }
        }
        if logs {
            entry.logRecords = TableSlice(start: firstEntry, count: batch.logRecords.count - firstEntry)
        } else {
            entry.spans = TableSlice(start: firstEntry, count: batch.spans.count - firstEntry)
        }
        try charge(TraceBatch.EntrySize.scope)
        batch.scopes.append(entry)
    }

    mutating func scope(_ r: Range<Int>, into entry: inout ScopeEntry) throws(OTLPDecodingError) {
        var rd = reader(r)
        while !rd.atEnd {
            let (f, w) = try rd.tag("InstrumentationScope")
            switch f {
            case 1:
                try rd.expect(w, 2, "InstrumentationScope.name")
                entry.name = try rd.string("InstrumentationScope.name")
            case 2:
                try rd.expect(w, 2, "InstrumentationScope.version")
                entry.version = try rd.string("InstrumentationScope.version")
            case 3:
                try rd.expect(w, 2, "InstrumentationScope.attributes")
                try appendAttribute(try keyValue(try rd.lengthDelimited("InstrumentationScope.attributes"), depth: 0))
            case 4:
                try rd.expect(w, 0, "InstrumentationScope.dropped_attributes_count")
                entry.droppedAttributesCount = UInt32(truncatingIfNeeded: try rd.varint("InstrumentationScope.dropped_attributes_count"))
            default:
                try rd.skip(w, field: f, "InstrumentationScope")
            }
        }
    }

    /// Two passes: attributes and scalars first, then events and links, so each owner's
    /// attributes stay one contiguous slice even when the fields are interleaved on the wire.
    mutating func span(_ r: Range<Int>) throws(OTLPDecodingError) {
        var s = Span()
        var rd = reader(r)
        let firstAttribute = batch.attributes.count
        var hasEventsOrLinks = false
        while !rd.atEnd {
            let (f, w) = try rd.tag("Span")
            switch f {
            case 1:
                try rd.expect(w, 2, "Span.trace_id")
                let (hi, lo, _) = try rd.idBytes(16, "Span.trace_id")
                s.traceID = TraceID(high: hi, low: lo)
            case 2:
                try rd.expect(w, 2, "Span.span_id")
                s.spanID = SpanID(try rd.idBytes(8, "Span.span_id").0)
            case 3:
                try rd.expect(w, 2, "Span.trace_state")
                s.traceState = try rd.string("Span.trace_state")
            case 4:
                try rd.expect(w, 2, "Span.parent_span_id")
                let (v, _, present) = try rd.idBytes(8, "Span.parent_span_id")
                s.parentSpanID = present ? SpanID(v) : nil
            case 5:
                try rd.expect(w, 2, "Span.name")
                s.name = try rd.string("Span.name")
            case 6:
                try rd.expect(w, 0, "Span.kind")
                s.kind = Int32(truncatingIfNeeded: try rd.varint("Span.kind"))
            case 7:
                try rd.expect(w, 1, "Span.start_time_unix_nano")
                s.startTimeUnixNano = try rd.fixed64("Span.start_time_unix_nano")
            case 8:
                try rd.expect(w, 1, "Span.end_time_unix_nano")
                s.endTimeUnixNano = try rd.fixed64("Span.end_time_unix_nano")
            case 9:
                try rd.expect(w, 2, "Span.attributes")
                try appendAttribute(try keyValue(try rd.lengthDelimited("Span.attributes"), depth: 0))
            case 10:
                try rd.expect(w, 0, "Span.dropped_attributes_count")
                s.droppedAttributesCount = UInt32(truncatingIfNeeded: try rd.varint("Span.dropped_attributes_count"))
            case 11, 13:
                try rd.expect(w, 2, f == 11 ? "Span.events" : "Span.links")
                _ = try rd.lengthDelimited(f == 11 ? "Span.events" : "Span.links")
                hasEventsOrLinks = true
            case 12:
                try rd.expect(w, 0, "Span.dropped_events_count")
                s.droppedEventsCount = UInt32(truncatingIfNeeded: try rd.varint("Span.dropped_events_count"))
            case 14:
                try rd.expect(w, 0, "Span.dropped_links_count")
                s.droppedLinksCount = UInt32(truncatingIfNeeded: try rd.varint("Span.dropped_links_count"))
            case 15:
                try rd.expect(w, 2, "Span.status")
                // A second status merges into the first, as protobuf merges a singular message.
                var st = s.status ?? SpanStatus()
                try status(try rd.lengthDelimited("Span.status"), into: &st)
                s.status = st
            case 16:
                try rd.expect(w, 5, "Span.flags")
                s.flags = try rd.fixed32("Span.flags")
            default:
                try rd.skip(w, field: f, "Span")
            }
        }
        s.attributes = TableSlice(start: firstAttribute, count: batch.attributes.count - firstAttribute)
        if hasEventsOrLinks {
            let firstEvent = batch.events.count
            let firstLink = batch.links.count
            var rd2 = reader(r)
            while !rd2.atEnd {
                let (f, w) = try rd2.tag("Span")
                switch f {
                case 11: try event(try rd2.lengthDelimited("Span.events"))
                case 13: try link(try rd2.lengthDelimited("Span.links"))
                default: try rd2.skip(w, field: f, "Span")
                }
            }
            s.events = TableSlice(start: firstEvent, count: batch.events.count - firstEvent)
            s.links = TableSlice(start: firstLink, count: batch.links.count - firstLink)
        }
        try charge(TraceBatch.EntrySize.span)
        batch.spans.append(s)
    }

    mutating func status(_ r: Range<Int>, into st: inout SpanStatus) throws(OTLPDecodingError) {
        var rd = reader(r)
        while !rd.atEnd {
            let (f, w) = try rd.tag("Status")
            switch f {
            case 2:
                try rd.expect(w, 2, "Status.message")
                st.message = try rd.string("Status.message")
            case 3:
                try rd.expect(w, 0, "Status.code")
                st.code = Int32(truncatingIfNeeded: try rd.varint("Status.code"))
            default:
                try rd.skip(w, field: f, "Status")
            }
        }
    }
}
