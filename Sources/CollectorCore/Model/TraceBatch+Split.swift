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
