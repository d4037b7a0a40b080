import CollectorCore

/// Attribute values: KeyValue, AnyValue and the nested array/kvlist forms. Protobuf reads a singular
/// message sent twice as if its encodings were concatenated, so a repeated `KeyValue.value` is one
/// AnyValue read across every occurrence, and in it a repeated `array_value` or `kvlist_value` (with no
/// other member in between) is one list holding all their elements.
extension Walker {
    /// Message occurrences read as one: the first inline, the rest (rare) in an array.
    struct Occurrences {
        var first: Range<Int>?
        var more: [Range<Int>] = []

        mutating func add(_ r: Range<Int>) {
            if first == nil { first = r } else { more.append(r) }
        }

        mutating func removeAll() {
            first = nil
            more.removeAll(keepingCapacity: true)
        }

        var isEmpty: Bool { first == nil }

        func forEach(_ body: (Range<Int>) throws(OTLPDecodingError) -> Void) throws(OTLPDecodingError) {
            guard let first else { return }
            try body(first)
            for r in more { try body(r) }
        }
    }

    mutating func keyValue(_ r: Range<Int>, depth: Int) throws(OTLPDecodingError) -> Attribute {
        var a = Attribute(key: .empty, value: .empty)
        var values = Occurrences()
        var rd = reader(r)
        while !rd.atEnd {
            let (f, w) = try rd.tag("KeyValue")
            switch f {
            case 1:
                try rd.expect(w, 2, "KeyValue.key")
                a.key = try rd.string("KeyValue.key")
            case 2:
                try rd.expect(w, 2, "KeyValue.value")
                values.add(try rd.lengthDelimited("KeyValue.value"))
            default:
                try rd.skip(w, field: f, "KeyValue")
            }
        }
        if !values.isEmpty { a.value = try anyValue(values, depth: depth) }
        return a
    }

    mutating func anyValue(_ r: Range<Int>, depth: Int) throws(OTLPDecodingError) -> AttributeValue {
        try anyValue(Occurrences(first: r), depth: depth)
    }

    /// One AnyValue read across its occurrences. The last member set wins; a list member is decoded
    /// once at the end, from every occurrence of it since another member last replaced it.
    mutating func anyValue(_ occurrences: Occurrences, depth: Int) throws(OTLPDecodingError) -> AttributeValue {
        var v = AttributeValue.empty
        var list = Occurrences()
        var listField = 0
        try occurrences.forEach { (r) throws(OTLPDecodingError) in
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
                    if listField != f || !isList(v) { list.removeAll() }
                    list.add(inner)
                    listField = f
                    // A marker until the lists are read below; only the kind matters meanwhile.
                    v = f == 5 ? .array(.empty) : .kvlist(.empty)
                case 7:
                    try rd.expect(w, 2, "AnyValue.bytes_value")
                    let b = try rd.lengthDelimited("AnyValue.bytes_value")
                    v = .bytes(ByteRange(start: b.lowerBound, count: b.count))
                default:
                    try rd.skip(w, field: f, "AnyValue")
                }
            }
        }
        switch v {
        case .array: return try array(list, depth: depth + 1)
        case .kvlist: return try kvlist(list, depth: depth + 1)
        default: return v
        }
    }

    private func isList(_ v: AttributeValue) -> Bool {
        switch v {
        case .array, .kvlist: return true
        default: return false
        }
    }

    /// Nested values go through a per-depth scratch buffer (reused, so no allocation per value)
    /// and are appended in one piece, so the parent's list stays contiguous.
    mutating func array(_ occurrences: Occurrences, depth: Int) throws(OTLPDecodingError) -> AttributeValue {
        while arrayScratch.count <= depth { arrayScratch.append([]) }
        var items = arrayScratch[depth]
        arrayScratch[depth] = []
        items.removeAll(keepingCapacity: true)
        defer { arrayScratch[depth] = items }
        try occurrences.forEach { (r) throws(OTLPDecodingError) in
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
        }
        try charge(items.count * TraceBatch.EntrySize.value)
        let start = batch.arrayValues.count
        batch.arrayValues.append(contentsOf: items)
        return .array(TableSlice(start: start, count: items.count))
    }

    mutating func kvlist(_ occurrences: Occurrences, depth: Int) throws(OTLPDecodingError) -> AttributeValue {
        while kvlistScratch.count <= depth { kvlistScratch.append([]) }
        var items = kvlistScratch[depth]
        kvlistScratch[depth] = []
        items.removeAll(keepingCapacity: true)
        defer { kvlistScratch[depth] = items }
        try occurrences.forEach { (r) throws(OTLPDecodingError) in
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
        }
        try charge(items.count * TraceBatch.EntrySize.attribute)
        let start = batch.nestedAttributes.count
        batch.nestedAttributes.append(contentsOf: items)
        return .kvlist(TableSlice(start: start, count: items.count))
    }
}
