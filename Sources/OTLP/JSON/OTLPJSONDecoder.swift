import CollectorCore

/// Decodes OTLP/JSON: hex ids, lowerCamelCase keys, int64 as string or number, enums as integers.
/// Like the OpenTelemetry Collector (and unlike Langfuse) it also takes snake_case keys and enum
/// names, so such a body is decoded rather than silently read as empty. Unknown keys are ignored,
/// as the OTLP specification asks of receivers.
public struct OTLPJSONDecoder: Sendable {
    public var maxValueDepth: Int
    /// Budget for the decoded tables, as for protobuf; the parsed JSON tree, about 64 bytes a
    /// value, is held to the same budget.
    public var maxDecodedBytes: Int

    public init(maxValueDepth: Int = 32, maxDecodedBytes: Int = 64 << 20) {
        self.maxValueDepth = maxValueDepth
        self.maxDecodedBytes = maxDecodedBytes
    }

    /// `reserve`, when given, is told the memory held so far (the parsed tree, then the tree and the
    /// tables) as it grows; when it answers false decoding stops with `overMemoryBudget`.
    public func decode(_ bytes: [UInt8], signal: Signal = .traces, reserve: ((Int) -> Bool)? = nil) throws(OTLPDecodingError) -> TraceBatch {
        let root: JSONValue
        var refusedByReserver = false
        var treeBytes = 0
        do {
            // A kvlist level costs four JSON levels (value, kvlistValue, values, entry); the request's
            // own structure about fourteen. The builder enforces `maxValueDepth` as protobuf does.
            let parser = JSONParser(maxDepth: maxValueDepth * 4 + 16, maxValues: max(1, maxDecodedBytes / JSONParser.bytesPerValue))
            root = try parser.parse(
                bytes,
                reserve: reserve.map { r in
                    { n in
                        treeBytes = n
                        if r(n) { return true }
                        refusedByReserver = true
                        return false
                    }
                })
        } catch {
            switch error.reason {
            case .tooDeep: throw OTLPDecodingError(.tooDeep, field: "", offset: error.offset)
            case .tooManyValues:
                throw OTLPDecodingError(refusedByReserver ? .overMemoryBudget : .decodedTooLarge(limit: maxDecodedBytes), field: "", offset: error.offset)
            default: throw OTLPDecodingError(.invalidJSON(error.reason.rawValue), field: "", offset: error.offset)
            }
        }
        if signal == .metrics { return try MetricsTranscoder.batch(json: root) }
        var b = JSONBatchBuilder(maxDepth: maxValueDepth, budget: maxDecodedBytes)
        b.batch.signal = signal
        b.reserve = reserve.map { r in { n in r(treeBytes + n) } }
        try b.request(root)
        return b.batch
    }
}

/// `resource_spans` and `resourceSpans` name the same field.
func camelCased(_ key: String) -> String {
    guard key.contains("_") else { return key }
    var out = ""
    var upper = false
    for c in key {
        if c == "_" { upper = true; continue }
        out.append(upper ? Character(c.uppercased()) : c)
        upper = false
    }
    return out
}

struct JSONBatchBuilder {
    let maxDepth: Int
    var batch = TraceBatch()
    let limit: Int
    var budget: Int
    var reserve: ((Int) -> Bool)?
    var reservedUpTo = 0

    init(maxDepth: Int, budget: Int) {
        self.maxDepth = maxDepth
        self.limit = budget
        self.budget = budget
    }

    mutating func charge(_ bytes: Int) throws(OTLPDecodingError) {
        budget -= bytes
        if budget < 0 { throw OTLPDecodingError(.decodedTooLarge(limit: limit), field: "") }
        if limit - budget > reservedUpTo, let reserve {
            reservedUpTo = max(reservedUpTo * 2, limit - budget + reserveStep)
            guard reserve(reservedUpTo * tableGrowthFactor + batch.bytes.capacity) else { throw OTLPDecodingError(.overMemoryBudget, field: "") }
        }
    }

    mutating func request(_ root: JSONValue) throws(OTLPDecodingError) {
        let name = batch.signal == .logs ? "resourceLogs" : "resourceSpans"
        for (k, v) in try fields(root, "") where k == name {
            for (i, rs) in try list(v, name).enumerated() { try resourceSpans(rs, "\(name)[\(i)]") }
        }
    }

    mutating func resourceSpans(_ v: JSONValue, _ path: String) throws(OTLPDecodingError) {
        var entry = ResourceEntry()
        let index = batch.resources.count
        let firstScope = batch.scopes.count
        for (k, f) in try fields(v, path) {
            switch k {
            case "resource":
                if case .null = f { continue }
                entry.hasResource = true
                for (rk, rv) in try fields(f, path + ".resource") {
                    switch rk {
                    case "attributes": entry.attributes = try attributes(rv, path + ".resource.attributes")
                    case "droppedAttributesCount": entry.droppedAttributesCount = UInt32(truncatingIfNeeded: try unsigned(rv, path))
                    default: break
                    }
                }
            case "scopeSpans" where batch.signal == .traces, "scopeLogs" where batch.signal == .logs:
                for (i, ss) in try list(f, path + "." + k).enumerated() {
                    try scopeSpans(ss, "\(path).\(k)[\(i)]", resource: index)
                }
            case "schemaUrl": entry.schemaURL = try text(f, path + ".schemaUrl")
            default: break
            }
        }
        entry.scopes = TableSlice(start: firstScope, count: batch.scopes.count - firstScope)
        try charge(TraceBatch.EntrySize.resource)
        batch.resources.append(entry)
    }

    mutating func scopeSpans(_ v: JSONValue, _ path: String, resource: Int) throws(OTLPDecodingError) {
        var entry = ScopeEntry()
        entry.resourceIndex = UInt32(resource)
        let firstSpan = batch.spans.count
        let firstRecord = batch.logRecords.count
        for (k, f) in try fields(v, path) {
            switch k {
            case "scope":
                if case .null = f { continue }
                entry.hasScope = true
                for (sk, sv) in try fields(f, path + ".scope") {
                    switch sk {
                    case "name": entry.name = try text(sv, path + ".scope.name")
                    case "version": entry.version = try text(sv, path + ".scope.version")
                    case "attributes": entry.attributes = try attributes(sv, path + ".scope.attributes")
                    case "droppedAttributesCount": entry.droppedAttributesCount = UInt32(truncatingIfNeeded: try unsigned(sv, path))
                    default: break
                    }
                }
            case "spans" where batch.signal == .traces:
                for (i, s) in try list(f, path + ".spans").enumerated() { try span(s, "\(path).spans[\(i)]") }
            case "logRecords" where batch.signal == .logs:
                for (i, r) in try list(f, path + ".logRecords").enumerated() { try logRecord(r, "\(path).logRecords[\(i)]") }
            case "schemaUrl": entry.schemaURL = try text(f, path + ".schemaUrl")
            default: break
            }
        }
        entry.spans = TableSlice(start: firstSpan, count: batch.spans.count - firstSpan)
        entry.logRecords = TableSlice(start: firstRecord, count: batch.logRecords.count - firstRecord)
        try charge(TraceBatch.EntrySize.scope)
        batch.scopes.append(entry)
    }

    static let spanKinds = [
        "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT",
        "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER",
    ]
    static let statusCodes = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"]

    mutating func span(_ v: JSONValue, _ path: String) throws(OTLPDecodingError) {
        var s = Span()
        var eventValues: JSONValue = .null
        var linkValues: JSONValue = .null
        for (k, f) in try fields(v, path) {
            switch k {
            case "traceId": s.traceID = try traceID(f, path + ".traceId")
            case "spanId": s.spanID = try spanID(f, path + ".spanId") ?? .zero
            case "parentSpanId": s.parentSpanID = try spanID(f, path + ".parentSpanId")
            case "traceState": s.traceState = try text(f, path + ".traceState")
            case "name": s.name = try text(f, path + ".name")
            case "kind": s.kind = try enumValue(f, names: Self.spanKinds, path + ".kind")
            case "startTimeUnixNano": s.startTimeUnixNano = try unsigned(f, path + ".startTimeUnixNano")
            case "endTimeUnixNano": s.endTimeUnixNano = try unsigned(f, path + ".endTimeUnixNano")
            case "attributes": s.attributes = try attributes(f, path + ".attributes")
            case "droppedAttributesCount": s.droppedAttributesCount = UInt32(truncatingIfNeeded: try unsigned(f, path))
            case "events": eventValues = f
            case "droppedEventsCount": s.droppedEventsCount = UInt32(truncatingIfNeeded: try unsigned(f, path))
            case "links": linkValues = f
            case "droppedLinksCount": s.droppedLinksCount = UInt32(truncatingIfNeeded: try unsigned(f, path))
            case "flags": s.flags = UInt32(truncatingIfNeeded: try unsigned(f, path + ".flags"))
            case "status":
                if case .null = f { continue }
                var st = SpanStatus()
                for (sk, sv) in try fields(f, path + ".status") {
                    switch sk {
                    case "message": st.message = try text(sv, path + ".status.message")
                    case "code": st.code = try enumValue(sv, names: Self.statusCodes, path + ".status.code")
                    default: break
                    }
                }
                s.status = st
            default: break
            }
        }
        let firstEvent = batch.events.count
        for (i, ev) in try list(eventValues, path + ".events").enumerated() {
            var e = SpanEvent()
            let ep = "\(path).events[\(i)]"
            for (k, f) in try fields(ev, ep) {
                switch k {
                case "timeUnixNano": e.timeUnixNano = try unsigned(f, ep + ".timeUnixNano")
                case "name": e.name = try text(f, ep + ".name")
                case "attributes": e.attributes = try attributes(f, ep + ".attributes")
                case "droppedAttributesCount": e.droppedAttributesCount = UInt32(truncatingIfNeeded: try unsigned(f, ep))
                default: break
                }
            }
            try charge(TraceBatch.EntrySize.event)
            batch.events.append(e)
        }
        s.events = TableSlice(start: firstEvent, count: batch.events.count - firstEvent)
        let firstLink = batch.links.count
        for (i, lv) in try list(linkValues, path + ".links").enumerated() {
            var l = SpanLink()
            let lp = "\(path).links[\(i)]"
            for (k, f) in try fields(lv, lp) {
                switch k {
                case "traceId": l.traceID = try traceID(f, lp + ".traceId")
                case "spanId": l.spanID = try spanID(f, lp + ".spanId") ?? .zero
                case "traceState": l.traceState = try text(f, lp + ".traceState")
                case "attributes": l.attributes = try attributes(f, lp + ".attributes")
                case "droppedAttributesCount": l.droppedAttributesCount = UInt32(truncatingIfNeeded: try unsigned(f, lp))
                case "flags": l.flags = UInt32(truncatingIfNeeded: try unsigned(f, lp + ".flags"))
                default: break
                }
            }
            try charge(TraceBatch.EntrySize.link)
            batch.links.append(l)
        }
        s.links = TableSlice(start: firstLink, count: batch.links.count - firstLink)
        try charge(TraceBatch.EntrySize.span)
        batch.spans.append(s)
    }

    /// Decodes a list of KeyValue into the main attribute table, contiguously.
    mutating func attributes(_ v: JSONValue, _ path: String) throws(OTLPDecodingError) -> TableSlice {
        var items: [Attribute] = []
        for (i, kv) in try list(v, path).enumerated() { items.append(try keyValue(kv, "\(path)[\(i)]", depth: 0)) }
        try charge(items.count * TraceBatch.EntrySize.attribute)
        let start = batch.attributes.count
        batch.attributes.append(contentsOf: items)
        return TableSlice(start: start, count: items.count)
    }

    mutating func keyValue(_ v: JSONValue, _ path: String, depth: Int) throws(OTLPDecodingError) -> Attribute {
        var a = Attribute(key: .empty, value: .empty)
        for (k, f) in try fields(v, path) {
            switch k {
            case "key": a.key = try text(f, path + ".key")
            case "value": a.value = try anyValue(f, path + ".value", depth: depth)
            default: break
            }
        }
        return a
    }

    mutating func anyValue(_ v: JSONValue, _ path: String, depth: Int) throws(OTLPDecodingError) -> AttributeValue {
        if case .null = v { return .empty }
        var result = AttributeValue.empty
        for (k, f) in try fields(v, path) {
            switch k {
            case "stringValue":
                guard case .string(let s) = f else { throw OTLPDecodingError(.unexpectedJSONType(expected: "a string"), field: path + ".stringValue") }
                result = .string(s.isEmpty ? .empty : batch.store(s))
            case "boolValue":
                guard case .bool(let b) = f else { throw OTLPDecodingError(.unexpectedJSONType(expected: "a boolean"), field: path + ".boolValue") }
                result = .bool(b)
            case "intValue": result = .int(try integer(f, path + ".intValue"))
            case "doubleValue":
                switch f {
                case .int(let i): result = .double(Double(i))
                case .double(let d): result = .double(d)
                case .string(let s):
                    switch s {
                    case "NaN": result = .double(.nan)
                    case "Infinity": result = .double(.infinity)
                    case "-Infinity": result = .double(-.infinity)
                    default:
                        guard let d = Double(s) else { throw OTLPDecodingError(.invalidJSONValue("string is not a number"), field: path + ".doubleValue") }
                        result = .double(d)
                    }
                default: throw OTLPDecodingError(.unexpectedJSONType(expected: "a number"), field: path + ".doubleValue")
                }
            case "bytesValue":
                guard case .string(let s) = f, let raw = Base64.decode(s) else {
                    throw OTLPDecodingError(.invalidJSONValue("bytesValue must be base64"), field: path + ".bytesValue")
                }
                result = .bytes(batch.store(bytes: raw))
            case "arrayValue", "kvlistValue":
                guard depth < maxDepth else { throw OTLPDecodingError(.tooDeep, field: path) }
                var values: JSONValue = .null
                for (ak, av) in try fields(f, path + "." + k) where ak == "values" { values = av }
                let items = try list(values, path + "." + k + ".values")
                if k == "arrayValue" {
                    var out: [AttributeValue] = []
                    for (i, item) in items.enumerated() { out.append(try anyValue(item, "\(path).arrayValue.values[\(i)]", depth: depth + 1)) }
                    try charge(out.count * TraceBatch.EntrySize.value)
                    let start = batch.arrayValues.count
                    batch.arrayValues.append(contentsOf: out)
                    result = .array(TableSlice(start: start, count: out.count))
                } else {
                    var out: [Attribute] = []
                    for (i, item) in items.enumerated() { out.append(try keyValue(item, "\(path).kvlistValue.values[\(i)]", depth: depth + 1)) }
                    try charge(out.count * TraceBatch.EntrySize.attribute)
                    let start = batch.nestedAttributes.count
                    batch.nestedAttributes.append(contentsOf: out)
                    result = .kvlist(TableSlice(start: start, count: out.count))
                }
            default: break
            }
        }
        return result
    }
}
