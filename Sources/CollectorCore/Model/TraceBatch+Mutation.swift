/// In-place edits for processors. A span owns its attribute slice; growing it appends at the end of
/// the table (moving the slice there first unless it already is last), so other spans never move.
extension TraceBatch {
    /// The last attribute in `slice` whose key has these bytes.
    public func attributeIndex(in slice: TableSlice, key: ByteRange) -> Int? {
        var found: Int?
        for i in slice.range where sameBytes(attributes[i].key, key) { found = i }
        return found
    }

    /// The last attribute in `slice` whose key is `key`.
    public func attributeIndex(in slice: TableSlice, key: String) -> Int? {
        var found: Int?
        var k = key
        k.withUTF8 { want in
            bytes.withUnsafeBufferPointer { store in
                for i in slice.range {
                    let r = attributes[i].key
                    if Int(r.count) == want.count,
                        want.count == 0 || memEqual(store.baseAddress! + r.lowerBound, want.baseAddress!, want.count)
                    {
                        found = i
                    }
                }
            }
        }
        return found
    }

    /// Sets a span attribute: replaces the value of an existing key, or adds the key.
    /// `key` must already be in the byte store (`store(_:)` it once per batch).
    public mutating func setSpanAttribute(_ span: Int, key: ByteRange, value: AttributeValue) {
        spans[span].attributes = setting(in: spans[span].attributes, key: key, value: value)
    }

    /// Sets a log record's attribute, as `setSpanAttribute` does for a span.
    public mutating func setLogRecordAttribute(_ record: Int, key: ByteRange, value: AttributeValue) {
        logRecords[record].attributes = setting(in: logRecords[record].attributes, key: key, value: value)
    }

    /// Removes attributes of a log record, as `removeSpanAttributes` does for a span.
    @discardableResult
    public mutating func removeLogRecordAttributes(_ record: Int, whereKey shouldRemove: (String) -> Bool) -> Int {
        let (slice, removed) = removing(in: logRecords[record].attributes, shouldRemove)
        logRecords[record].attributes = slice
        return removed
    }

    /// Sets a resource attribute, as `setSpanAttribute` does for a span.
    public mutating func setResourceAttribute(_ resource: Int, key: ByteRange, value: AttributeValue) {
        resources[resource].attributes = setting(in: resources[resource].attributes, key: key, value: value)
    }

    /// Removes every attribute of a span whose key text satisfies `shouldRemove`; returns how many.
    @discardableResult
    public mutating func removeSpanAttributes(_ span: Int, whereKey shouldRemove: (String) -> Bool) -> Int {
        let (slice, removed) = removing(in: spans[span].attributes, shouldRemove)
        spans[span].attributes = slice
        return removed
    }

    /// Removes attributes of a resource, as `removeSpanAttributes` does for a span.
    @discardableResult
    public mutating func removeResourceAttributes(_ resource: Int, whereKey shouldRemove: (String) -> Bool) -> Int {
        let (slice, removed) = removing(in: resources[resource].attributes, shouldRemove)
        resources[resource].attributes = slice
        return removed
    }

    /// The owner's slice after setting `key`: an owner's slice grows at the end of the table (moved
    /// there first unless it already is last), so no other owner's attributes move.
    private mutating func setting(in slice: TableSlice, key: ByteRange, value: AttributeValue) -> TableSlice {
        if let i = attributeIndex(in: slice, key: key) {
            attributes[i].value = value
            return slice
        }
        var slice = slice
        if slice.upperBoundIndex != attributes.count {
            let start = attributes.count
            // Copied out first: appending a slice of the array to itself would copy the whole table.
            let moved = Array(attributes[slice.range])
            attributes.append(contentsOf: moved)
            slice = TableSlice(start: start, count: Int(slice.count))
        }
        attributes.append(Attribute(key: key, value: value))
        slice.count += 1
        return slice
    }

    private mutating func removing(in slice: TableSlice, _ shouldRemove: (String) -> Bool) -> (TableSlice, Int) {
        var kept = Int(slice.start)
        for i in slice.range where !shouldRemove(string(attributes[i].key)) {
            attributes[kept] = attributes[i]
            kept += 1
        }
        let removed = slice.upperBoundIndex - kept
        var slice = slice
        slice.count -= UInt32(removed)
        return (slice, removed)
    }
}

extension TableSlice {
    @inlinable var upperBoundIndex: Int { Int(start) + Int(count) }
}

extension TraceBatch {
    /// Keeps the first `max` attributes of every span, event, link, log record, resource and scope, as the
    /// OpenTelemetry SDKs' attribute count limit does; the rest are added to the owner's dropped
    /// count. Nothing is copied: slices shrink in place. Returns how many were dropped.
    public mutating func limitAttributes(perOwner max: Int) -> Int {
        let limit = UInt32(clamping: max)
        var dropped = 0
        func cap(_ slice: TableSlice, _ droppedCount: UInt32) -> (TableSlice, UInt32) {
            guard slice.count > limit else { return (slice, droppedCount) }
            let extra = slice.count - limit
            dropped += Int(extra)
            var shrunk = slice
            shrunk.count = limit
            let (sum, overflow) = droppedCount.addingReportingOverflow(extra)
            return (shrunk, overflow ? .max : sum)
        }
        for i in spans.indices where spans[i].attributes.count > limit {
            (spans[i].attributes, spans[i].droppedAttributesCount) = cap(spans[i].attributes, spans[i].droppedAttributesCount)
        }
        for i in events.indices where events[i].attributes.count > limit {
            (events[i].attributes, events[i].droppedAttributesCount) = cap(events[i].attributes, events[i].droppedAttributesCount)
        }
        for i in links.indices where links[i].attributes.count > limit {
            (links[i].attributes, links[i].droppedAttributesCount) = cap(links[i].attributes, links[i].droppedAttributesCount)
        }
        for i in logRecords.indices where logRecords[i].attributes.count > limit {
            (logRecords[i].attributes, logRecords[i].droppedAttributesCount) = cap(logRecords[i].attributes, logRecords[i].droppedAttributesCount)
        }
        for i in resources.indices where resources[i].attributes.count > limit {
            (resources[i].attributes, resources[i].droppedAttributesCount) = cap(resources[i].attributes, resources[i].droppedAttributesCount)
        }
        for i in scopes.indices where scopes[i].attributes.count > limit {
            (scopes[i].attributes, scopes[i].droppedAttributesCount) = cap(scopes[i].attributes, scopes[i].droppedAttributesCount)
        }
        return dropped
    }
}

extension TraceBatch {
    /// Drops the spans `shouldRemove` picks, keeping every scope's remaining spans contiguous;
    /// returns how many were dropped. (Their attributes stay in the tables, unreferenced.)
    @discardableResult
    public mutating func removeSpans(where shouldRemove: (Span) -> Bool) -> Int {
        removeSpans(at: spans.map(shouldRemove))  // the predicate runs once per span
    }

    /// Drops the spans whose entry in `drop` (one per span) is true.
    @discardableResult
    public mutating func removeSpans(at drop: [Bool]) -> Int {
        guard drop.contains(true) else { return 0 }
        var kept: [Span] = []
        kept.reserveCapacity(spans.count)
        for s in scopes.indices {
            let start = kept.count
            for i in scopes[s].spans.range where !drop[i] { kept.append(spans[i]) }
            scopes[s].spans = TableSlice(start: start, count: kept.count - start)
        }
        let removed = spans.count - kept.count
        spans = kept
        return removed
    }

    /// Spans that cannot belong to any trace: an all-zero trace id or span id.
    public mutating func removeSpansWithoutIDs() -> Int {
        removeSpans { $0.traceID.isZero || $0.spanID.isZero }
    }
}
