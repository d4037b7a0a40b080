/// Appending one batch to another (the batch processor): the other's bytes and tables go at the
/// end, and every range and slice it holds is shifted by the offsets.
extension TraceBatch {
    /// One batch from several, each table sized once up front so every byte is copied once.
    public static func concatenating(_ parts: [TraceBatch]) -> TraceBatch {
        if parts.count == 1 { return parts[0] }
        var out = TraceBatch()
        out.bytes.reserveCapacity(parts.reduce(0) { $0 + $1.bytes.count })
        out.attributes.reserveCapacity(parts.reduce(0) { $0 + $1.attributes.count })
        out.spans.reserveCapacity(parts.reduce(0) { $0 + $1.spans.count })
        out.events.reserveCapacity(parts.reduce(0) { $0 + $1.events.count })
        out.arrayValues.reserveCapacity(parts.reduce(0) { $0 + $1.arrayValues.count })
        out.nestedAttributes.reserveCapacity(parts.reduce(0) { $0 + $1.nestedAttributes.count })
        out.logRecords.reserveCapacity(parts.reduce(0) { $0 + $1.logRecords.count })
        for p in parts where !(p.spans.isEmpty && p.resources.isEmpty && p.logRecords.isEmpty && p.metricPoints == 0) { out.append(p) }
        out.signal = parts.first?.signal ?? .traces
        return out
    }

    public mutating func append(_ other: TraceBatch) {
        if spans.isEmpty && resources.isEmpty && bytes.isEmpty {
            self = other
            return
        }
        if signal == .metrics {
            // Two serialized requests concatenated are one request holding both's resource metrics.
            bytes.append(contentsOf: other.bytes)
            metricPoints += other.metricPoints
            return
        }
        let o = Offsets(
            bytes: bytes.count, attributes: attributes.count, nested: nestedAttributes.count,
            arrays: arrayValues.count, spans: spans.count, scopes: scopes.count, resources: resources.count,
            events: events.count, links: links.count, records: logRecords.count)
        bytes.append(contentsOf: other.bytes)
        attributes.append(contentsOf: other.attributes.map { o.shift($0) })
        nestedAttributes.append(contentsOf: other.nestedAttributes.map { o.shift($0) })
        arrayValues.append(contentsOf: other.arrayValues.map { o.shift($0) })
        events.append(
            contentsOf: other.events.map { e in
                var e = e
                e.name = o.shift(e.name)
                e.attributes = o.shift(e.attributes, by: o.attributes)
                return e
            })
        links.append(
            contentsOf: other.links.map { l in
                var l = l
                l.traceState = o.shift(l.traceState)
                l.attributes = o.shift(l.attributes, by: o.attributes)
                return l
            })
        spans.append(
            contentsOf: other.spans.map { s in
                var s = s
                s.name = o.shift(s.name)
                s.traceState = o.shift(s.traceState)
                s.attributes = o.shift(s.attributes, by: o.attributes)
                s.events = o.shift(s.events, by: o.events)
                s.links = o.shift(s.links, by: o.links)
                if var st = s.status {
                    st.message = o.shift(st.message)
                    s.status = st
                }
                return s
            })
        logRecords.append(
            contentsOf: other.logRecords.map { r in
                var r = r
                r.severityText = o.shift(r.severityText)
                r.eventName = o.shift(r.eventName)
                r.body = r.body.map { o.shift($0) }
                r.attributes = o.shift(r.attributes, by: o.attributes)
                return r
            })
        scopes.append(
            contentsOf: other.scopes.map { sc in
                var sc = sc
                sc.name = o.shift(sc.name)
                sc.version = o.shift(sc.version)
                sc.schemaURL = o.shift(sc.schemaURL)
                sc.attributes = o.shift(sc.attributes, by: o.attributes)
                sc.spans = o.shift(sc.spans, by: o.spans)
                sc.logRecords = o.shift(sc.logRecords, by: o.records)
                sc.resourceIndex += UInt32(o.resources)
                return sc
            })
        resources.append(
            contentsOf: other.resources.map { r in
                var r = r
                r.schemaURL = o.shift(r.schemaURL)
                r.attributes = o.shift(r.attributes, by: o.attributes)
                r.scopes = o.shift(r.scopes, by: o.scopes)
                return r
            })
    }
}

private struct Offsets {
    var bytes, attributes, nested, arrays, spans, scopes, resources, events, links, records: Int

    func shift(_ r: ByteRange) -> ByteRange {
        r.count == 0 ? .empty : ByteRange(start: Int(r.start) + bytes, count: Int(r.count))
    }

    func shift(_ s: TableSlice, by offset: Int) -> TableSlice {
        TableSlice(start: Int(s.start) + offset, count: Int(s.count))
    }

    func shift(_ a: Attribute) -> Attribute { Attribute(key: shift(a.key), value: shift(a.value)) }

    func shift(_ v: AttributeValue) -> AttributeValue {
        switch v {
        case .string(let r): return .string(shift(r))
        case .bytes(let r): return .bytes(shift(r))
        case .array(let s): return .array(shift(s, by: arrays))
        case .kvlist(let s): return .kvlist(shift(s, by: nested))
        default: return v
        }
    }
}
