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
