import CollectorCore

/// Attribute values: KeyValue, AnyValue and the nested array/kvlist forms.
extension Walker {
    mutating func keyValue(_ r: Range<Int>, depth: Int) throws(OTLPDecodingError) -> Attribute {
        var a = Attribute(key: .empty, value: .empty)
        var rd = reader(r)
        while !rd.atEnd {
            let (f, w) = try rd.tag("KeyValue")
            switch f {
            case 1:
                try rd.expect(w, 2, "KeyValue.key")
                a.key = try rd.string("KeyValue.key")
            case 2:
                try rd.expect(w, 2, "KeyValue.value")
                a.value = try anyValue(try rd.lengthDelimited("KeyValue.value"), depth: depth)
            default:
                try rd.skip(w, field: f, "KeyValue")
            }
        }
        return a
    }

    mutating func anyValue(_ r: Range<Int>, depth: Int) throws(OTLPDecodingError) -> AttributeValue {
        var v = AttributeValue.empty
        var rd = reader(r)
        while !rd.atEnd {
            let (f, w) = try rd.tag("AnyValue")
            switch f {
            case 1:
                try rd.expect(w, 2, "AnyValue.string_value")
                v = .string(try rd.string("AnyValue.string_value"))
            case 2:
                try rd.expect(w, 0, "AnyValue.bool_value")
                v = .bool(try rd.varint("AnyValue.bool_value") != 0)
            case 3:
                try rd.expect(w, 0, "AnyValue.int_value")
                v = .int(Int64(bitPattern: try rd.varint("AnyValue.int_value")))
            case 4:
                try rd.expect(w, 1, "AnyValue.double_value")
                v = .double(Double(bitPattern: try rd.fixed64("AnyValue.double_value")))
            case 5, 6:
                try rd.expect(w, 2, f == 5 ? "AnyValue.array_value" : "AnyValue.kvlist_value")
                guard depth < maxDepth else { throw OTLPDecodingError(.tooDeep, field: "AnyValue", offset: rd.pos) }
                let inner = try rd.lengthDelimited(f == 5 ? "AnyValue.array_value" : "AnyValue.kvlist_value")
                v = f == 5 ? try array(inner, depth: depth + 1) : try kvlist(inner, depth: depth + 1)
            case 7:
                try rd.expect(w, 2, "AnyValue.bytes_value")
                let b = try rd.lengthDelimited("AnyValue.bytes_value")
                v = .bytes(ByteRange(start: b.lowerBound, count: b.count))
            default:
                try rd.skip(w, field: f, "AnyValue")
            }
        }
        return v
    }

    /// Nested values go through a per-depth scratch buffer (reused, so no allocation per value)
    /// and are appended in one piece, so the parent's list stays contiguous.
    mutating func array(_ r: Range<Int>, depth: Int) throws(OTLPDecodingError) -> AttributeValue {
        while arrayScratch.count <= depth { arrayScratch.append([]) }
        var items = arrayScratch[depth]
        arrayScratch[depth] = []
        items.removeAll(keepingCapacity: true)
        defer { arrayScratch[depth] = items }
        var rd = reader(r)
        while !rd.atEnd {
            let (f, w) = try rd.tag("ArrayValue")
            if f == 1 {
                try rd.expect(w, 2, "ArrayValue.values")
                let value = try anyValue(try rd.lengthDelimited("ArrayValue.values"), depth: depth)
                try charge(TraceBatch.EntrySize.value)
                items.append(value)
            } else {
                try rd.skip(w, field: f, "ArrayValue")
            }
        }
        try charge(items.count * TraceBatch.EntrySize.value)
        let start = batch.arrayValues.count
        batch.arrayValues.append(contentsOf: items)
        return .array(TableSlice(start: start, count: items.count))
    }

    mutating func kvlist(_ r: Range<Int>, depth: Int) throws(OTLPDecodingError) -> AttributeValue {
        while kvlistScratch.count <= depth { kvlistScratch.append([]) }
        var items = kvlistScratch[depth]
        kvlistScratch[depth] = []
        items.removeAll(keepingCapacity: true)
        defer { kvlistScratch[depth] = items }
        var rd = reader(r)
        while !rd.atEnd {
            let (f, w) = try rd.tag("KeyValueList")
            if f == 1 {
                try rd.expect(w, 2, "KeyValueList.values")
                let member = try keyValue(try rd.lengthDelimited("KeyValueList.values"), depth: depth)
                try charge(TraceBatch.EntrySize.attribute)
                items.append(member)
            } else {
                try rd.skip(w, field: f, "KeyValueList")
            }
        }
        try charge(items.count * TraceBatch.EntrySize.attribute)
        let start = batch.nestedAttributes.count
        batch.nestedAttributes.append(contentsOf: items)
        return .kvlist(TableSlice(start: start, count: items.count))
    }
}
