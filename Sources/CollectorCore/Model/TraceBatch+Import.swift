/// Copying values between batches: a log record's content becomes a span event of another batch.
extension TraceBatch {
    /// `value`, which lives in `source`'s tables, copied into this batch's (strings into the byte
    /// store, arrays and maps into their tables, each list contiguous).
    public mutating func importValue(_ value: AttributeValue, from source: TraceBatch) -> AttributeValue {
        switch value {
        case .empty, .bool, .int, .double: return value
        case .string(let r): return .string(r.count == 0 ? .empty : store(bytes: source.byteArray(r)))
        case .bytes(let r): return .bytes(r.count == 0 ? .empty : store(bytes: source.byteArray(r)))
        case .array(let s):
            // Deeper lists first, so this list's elements stay contiguous.
            let items = source.arrayValues[s.range].map { importValue($0, from: source) }
            let start = arrayValues.count
            arrayValues.append(contentsOf: items)
            return .array(TableSlice(start: start, count: items.count))
        case .kvlist(let s):
            let members = source.nestedAttributes[s.range].map { importAttribute($0, from: source) }
            let start = nestedAttributes.count
            nestedAttributes.append(contentsOf: members)
            return .kvlist(TableSlice(start: start, count: members.count))
        }
    }

    /// A key-value of `source` with its key and value copied in (not yet placed in a table).
    public mutating func importAttribute(_ a: Attribute, from source: TraceBatch) -> Attribute {
        let key = a.key.count == 0 ? ByteRange.empty : store(bytes: source.byteArray(a.key))
        return Attribute(key: key, value: importValue(a.value, from: source))
    }

    /// Adds events to a span. Its events move to the end of the table first unless they are last
    /// already, so its slice stays contiguous and no other span's events move. `attributes` are each
    /// new event's attributes, already in this batch's tables but not yet in the attribute table.
    public mutating func appendEvents(span: Int, _ new: [(event: SpanEvent, attributes: [Attribute])]) {
        guard !new.isEmpty else { return }
        var slice = spans[span].events
        if slice.upperBoundIndex != events.count {
            let moved = Array(events[slice.range])
            slice = TableSlice(start: events.count, count: moved.count)
            events.append(contentsOf: moved)
        }
        for (event, attrs) in new {
            var e = event
            e.attributes = TableSlice(start: attributes.count, count: attrs.count)
            attributes.append(contentsOf: attrs)
            events.append(e)
        }
        slice.count += UInt32(new.count)
        spans[span].events = slice
    }
}
