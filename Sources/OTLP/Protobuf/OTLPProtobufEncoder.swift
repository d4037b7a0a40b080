import CollectorCore

/// Encodes a `TraceBatch` as a binary `ExportTraceServiceRequest` (or `ExportLogsServiceRequest`),
/// omitting proto3 defaults. A metrics batch is its request's bytes already.
public struct OTLPProtobufEncoder: Sendable {
    public init() {}

    public func encode(_ batch: TraceBatch) -> [UInt8] {
        if batch.signal == .metrics { return batch.bytes }
        var w = WireWriter()
        w.out.reserveCapacity(batch.bytes.count + batch.spans.count * 64)
        batch.bytes.withUnsafeBufferPointer { store in
            var e = Emitter(batch: batch, store: store, w: w)
            for resource in batch.resources { e.resourceSpans(resource) }
            w = e.w
        }
        return w.out
    }
}

private struct Emitter {
    let batch: TraceBatch
    let store: UnsafeBufferPointer<UInt8>
    var w: WireWriter

    func slice(_ r: ByteRange) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: store[r.lowerBound..<r.upperBound])
    }

    mutating func string(_ field: Int, _ r: ByteRange) {
        if r.count > 0 { w.bytes(field, slice(r)) }
    }

    mutating func uint(_ field: Int, _ v: UInt64) {
        if v != 0 { w.tag(field, 0); w.varint(v) }
    }

    mutating func resourceSpans(_ r: ResourceEntry) {
        let m = w.begin(1)
        if r.hasResource {
            let rm = w.begin(1)
            attributes(1, r.attributes)
            uint(2, UInt64(r.droppedAttributesCount))
            w.end(rm)
        }
        for scopeIndex in r.scopes.range { scopeSpans(batch.scopes[scopeIndex]) }
        string(3, r.schemaURL)
        w.end(m)
    }

    mutating func scopeSpans(_ s: ScopeEntry) {
        let m = w.begin(2)
        if s.hasScope {
            let sm = w.begin(1)
            string(1, s.name)
            string(2, s.version)
            attributes(3, s.attributes)
            uint(4, UInt64(s.droppedAttributesCount))
            w.end(sm)
        }
        for spanIndex in s.spans.range { span(batch.spans[spanIndex]) }
        for recordIndex in s.logRecords.range { logRecord(batch.logRecords[recordIndex]) }
        string(3, s.schemaURL)
        w.end(m)
    }

    mutating func span(_ s: Span) {
        let m = w.begin(2)
        if !s.traceID.isZero { w.bytes(1, s.traceID.bytes) }
        if !s.spanID.isZero { w.bytes(2, s.spanID.bytes) }
        string(3, s.traceState)
        if let parent = s.parentSpanID { w.bytes(4, parent.bytes) }
        string(5, s.name)
        uint(6, UInt64(bitPattern: Int64(s.kind)))
        if s.startTimeUnixNano != 0 { w.fixed64(7, s.startTimeUnixNano) }
        if s.endTimeUnixNano != 0 { w.fixed64(8, s.endTimeUnixNano) }
        attributes(9, s.attributes)
        uint(10, UInt64(s.droppedAttributesCount))
        for e in batch.events[s.events.range] {
            let em = w.begin(11)
            if e.timeUnixNano != 0 { w.fixed64(1, e.timeUnixNano) }
            string(2, e.name)
            attributes(3, e.attributes)
            uint(4, UInt64(e.droppedAttributesCount))
            w.end(em)
        }
        uint(12, UInt64(s.droppedEventsCount))
        for l in batch.links[s.links.range] {
            let lm = w.begin(13)
            if !l.traceID.isZero { w.bytes(1, l.traceID.bytes) }
            if !l.spanID.isZero { w.bytes(2, l.spanID.bytes) }
            string(3, l.traceState)
            attributes(4, l.attributes)
            uint(5, UInt64(l.droppedAttributesCount))
            if l.flags != 0 { w.fixed32(6, l.flags) }
            w.end(lm)
        }
        uint(14, UInt64(s.droppedLinksCount))
        if let st = s.status {
            let sm = w.begin(15)
            string(2, st.message)
            uint(3, UInt64(bitPattern: Int64(st.code)))
            w.end(sm)
        }
        if s.flags != 0 { w.fixed32(16, s.flags) }
        w.end(m)
    }

    mutating func logRecord(_ r: LogRecord) {
        let m = w.begin(2)
        if r.timeUnixNano != 0 { w.fixed64(1, r.timeUnixNano) }
        uint(2, UInt64(bitPattern: Int64(r.severityNumber)))
        string(3, r.severityText)
        if let body = r.body {
            let bm = w.begin(5)
            anyValue(body)
            w.end(bm)
        }
        attributes(6, r.attributes)
        uint(7, UInt64(r.droppedAttributesCount))
        if r.flags != 0 { w.fixed32(8, r.flags) }
        if let t = r.traceID { w.bytes(9, t.bytes) }
        if let s = r.spanID { w.bytes(10, s.bytes) }
        if r.observedTimeUnixNano != 0 { w.fixed64(11, r.observedTimeUnixNano) }
        string(12, r.eventName)
        w.end(m)
    }

    mutating func attributes(_ field: Int, _ slice: TableSlice) {
        for a in batch.attributes[slice.range] { keyValue(field, a) }
    }

    mutating func keyValue(_ field: Int, _ a: Attribute) {
        let m = w.begin(field)
        string(1, a.key)
        let vm = w.begin(2)
        anyValue(a.value)
        w.end(vm)
        w.end(m)
    }

    /// The oneof is always written, even at its default, so the value's type survives.
    mutating func anyValue(_ v: AttributeValue) {
        switch v {
        case .empty: break
        case .string(let r): w.bytes(1, slice(r))
        case .bool(let b): w.tag(2, 0); w.varint(b ? 1 : 0)
        case .int(let i): w.tag(3, 0); w.varint(UInt64(bitPattern: i))
        case .double(let d): w.fixed64(4, d.bitPattern)
        case .array(let s):
            let m = w.begin(5)
            for item in batch.arrayValues[s.range] {
                let im = w.begin(1)
                anyValue(item)
                w.end(im)
            }
            w.end(m)
        case .kvlist(let s):
            let m = w.begin(6)
            for member in batch.nestedAttributes[s.range] { keyValue(1, member) }
            w.end(m)
        case .bytes(let r): w.bytes(7, slice(r))
        }
    }
}
