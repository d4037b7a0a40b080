/// Splitting a request by trace (the per-trace buffer): each share keeps the request's byte store and
/// tables (shared, not copied) and only the spans of one trace.
extension TraceBatch {
    /// One share per trace id, in order of first appearance: the trace, the share and its span count.
    /// A request that holds one trace is returned as it is. O(spans + traces × scopes).
    public func splitByTrace() -> [(trace: TraceID, batch: TraceBatch)] {
        guard let first = spans.first else { return [] }
        if spans.allSatisfy({ $0.traceID == first.traceID }) { return [(first.traceID, self)] }
        var order: [TraceID] = []
        var members: [TraceID: [Int]] = [:]
        for (i, s) in spans.enumerated() {
            if members[s.traceID] == nil { order.append(s.traceID) }
            members[s.traceID, default: []].append(i)
        }
        return order.map { ($0, keepingSpans(members[$0]!)) }
    }

    /// The batch with only the spans at `indices` (ascending), every scope's spans kept contiguous.
    public func keepingSpans(_ indices: [Int]) -> TraceBatch {
        var out = self
        var kept: [Span] = []
        kept.reserveCapacity(indices.count)
        var next = 0
        for s in scopes.indices {
            let range = scopes[s].spans.range
            let start = kept.count
            while next < indices.count && indices[next] < range.upperBound {
                if indices[next] >= range.lowerBound { kept.append(spans[indices[next]]) }
                next += 1
            }
            out.scopes[s].spans = TableSlice(start: start, count: kept.count - start)
        }
        out.spans = kept
        return out
    }
}

extension TraceBatch {
    /// Shares of one request put back together: parts that still hold the same byte store and
    /// tables (split by trace, not changed since) become one batch, their spans kept in scope order;
    /// any other part passes as it is. First appearance keeps the order.
    public static func regrouping(_ parts: [TraceBatch]) -> [TraceBatch] {
        guard parts.count > 1 else { return parts }
        var groups: [[Int]] = []
        var byOrigin: [Origin: Int] = [:]
        for (i, p) in parts.enumerated() {
            guard let origin = p.origin else {
                groups.append([i])
                continue
            }
            if let g = byOrigin[origin] {
                groups[g].append(i)
            } else {
                byOrigin[origin] = groups.count
                groups.append([i])
            }
        }
        return groups.map { members in
            guard members.count > 1 else { return parts[members[0]] }
            var out = parts[members[0]]
            var spans: [Span] = []
            spans.reserveCapacity(members.reduce(0) { $0 + parts[$1].spans.count })
            for s in out.scopes.indices {
                let start = spans.count
                for m in members { spans.append(contentsOf: parts[m].spans[parts[m].scopes[s].spans.range]) }
                out.scopes[s].spans = TableSlice(start: start, count: spans.count - start)
            }
            out.spans = spans
            return out
        }
    }

    /// What identifies the request a share came from: its shared storage, and the shape of its tables.
    private struct Origin: Hashable {
        let bytes: UnsafeRawPointer
        let attributes: UnsafeRawPointer?
        let resources: UnsafeRawPointer?
        let scopes: Int
    }

    private var origin: Origin? {
        guard let bytes = self.bytes.withUnsafeBufferPointer({ $0.baseAddress.map(UnsafeRawPointer.init) }) else { return nil }
        return Origin(
            bytes: bytes, attributes: attributes.withUnsafeBufferPointer { $0.baseAddress.map(UnsafeRawPointer.init) },
            resources: resources.withUnsafeBufferPointer { $0.baseAddress.map(UnsafeRawPointer.init) }, scopes: scopes.count)
    }
}

extension TraceBatch {
    /// Whether this is a share of a larger request (`splitByTrace`): tables that hold far more
    /// attributes than its own spans, scopes and resources use.
    public var isShareOfLargerRequest: Bool {
        var used = 0
        for s in spans {
            used += Int(s.attributes.count)
            for e in events[s.events.range] { used += Int(e.attributes.count) }
            for l in links[s.links.range] { used += Int(l.attributes.count) }
        }
        for s in scopes { used += Int(s.attributes.count) }
        for r in resources { used += Int(r.attributes.count) }
        return attributes.count > 2 * used + 256
    }

    /// A share copied out on its own: only its spans and their resources, scopes, attributes,
    /// events, links and bytes. A per-trace step calls it before it writes to a share, so the write
    /// copies one trace rather than the whole request the trace came in (copy-on-write would).
    /// Spans keep their order (a share's spans are in scope order), so span indices stay valid.
    public func compacted() -> TraceBatch {
        var out = TraceBatch()
        out.signal = signal
        out.tenant = tenant
        // Resources and scopes stay as they are, in place (other traces' scopes keep no spans), so
        // their slices and indices hold; only what they own is copied.
        out.resources = resources
        for r in out.resources.indices {
            out.resources[r].attributes = out.importAttributes(resources[r].attributes, from: self)
            out.resources[r].schemaURL = out.copy(resources[r].schemaURL, from: self)
        }
        out.scopes = scopes
        for (i, scope) in scopes.enumerated() {
            out.scopes[i].name = out.copy(scope.name, from: self)
            out.scopes[i].version = out.copy(scope.version, from: self)
            out.scopes[i].schemaURL = out.copy(scope.schemaURL, from: self)
            out.scopes[i].attributes = out.importAttributes(scope.attributes, from: self)
            let start = out.spans.count
            for s in scope.spans.range { out.spans.append(out.importSpan(spans[s], from: self)) }
            out.scopes[i].spans = TableSlice(start: start, count: out.spans.count - start)
        }
        return out
    }

    private mutating func copy(_ r: ByteRange, from source: TraceBatch) -> ByteRange {
        r.count == 0 ? .empty : store(bytes: source.byteArray(r))
    }

    private mutating func importAttributes(_ slice: TableSlice, from source: TraceBatch) -> TableSlice {
        let items = source.attributes[slice.range].map { importAttribute($0, from: source) }
        let start = attributes.count
        attributes.append(contentsOf: items)
        return TableSlice(start: start, count: items.count)
    }

    private mutating func importSpan(_ span: Span, from source: TraceBatch) -> Span {
        var s = span
        s.traceState = copy(span.traceState, from: source)
        s.name = copy(span.name, from: source)
        if let status = span.status { s.status = SpanStatus(code: status.code, message: copy(status.message, from: source)) }
        s.attributes = importAttributes(span.attributes, from: source)
        let newEvents = source.events[span.events.range].map { e -> SpanEvent in
            var n = e
            n.name = copy(e.name, from: source)
            n.attributes = importAttributes(e.attributes, from: source)
            return n
        }
        s.events = TableSlice(start: events.count, count: newEvents.count)
        events.append(contentsOf: newEvents)
        let newLinks = source.links[span.links.range].map { l -> SpanLink in
            var n = l
            n.traceState = copy(l.traceState, from: source)
            n.attributes = importAttributes(l.attributes, from: source)
            return n
        }
        s.links = TableSlice(start: links.count, count: newLinks.count)
        links.append(contentsOf: newLinks)
        return s
    }
}
