import CollectorCore

extension JSONBatchBuilder {
    static let severityNames: [String] =
        ["SEVERITY_NUMBER_UNSPECIFIED"]
        + ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"].flatMap { level in
            ["", "2", "3", "4"].map { "SEVERITY_NUMBER_\(level)\($0)" }
        }

    mutating func logRecord(_ v: JSONValue, _ path: String) throws(OTLPDecodingError) {
        var r = LogRecord()
        var body: JSONValue?
        for (k, f) in try fields(v, path) {
            switch k {
            case "timeUnixNano": r.timeUnixNano = try unsigned(f, path + ".timeUnixNano")
            case "observedTimeUnixNano": r.observedTimeUnixNano = try unsigned(f, path + ".observedTimeUnixNano")
            case "severityNumber": r.severityNumber = try enumValue(f, names: Self.severityNames, path + ".severityNumber")
            case "severityText": r.severityText = try text(f, path + ".severityText")
            case "body": if f != .null { body = f }
            case "attributes": r.attributes = try attributes(f, path + ".attributes")
            case "droppedAttributesCount": r.droppedAttributesCount = UInt32(truncatingIfNeeded: try unsigned(f, path))
            case "flags": r.flags = UInt32(truncatingIfNeeded: try unsigned(f, path + ".flags"))
            case "traceId":
                let t = try traceID(f, path + ".traceId")
                r.traceID = t.isZero ? nil : t
            case "spanId": r.spanID = try spanID(f, path + ".spanId")
            case "eventName": r.eventName = try text(f, path + ".eventName")
            default: break
            }
        }
        // After the attributes, so they stay one contiguous slice.
        if let body { r.body = try anyValue(body, path + ".body", depth: 0) }
        try charge(TraceBatch.EntrySize.logRecord)
        batch.logRecords.append(r)
    }
}
