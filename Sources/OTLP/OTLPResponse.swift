import CollectorCore

/// The bodies an OTLP receiver answers with, in the request's encoding: the export response
/// (with `partial_success` when spans were refused) and, for errors, a `google.rpc.Status`.
public enum OTLPResponse {
    public enum Encoding: Sendable { case protobuf, json }

    /// gRPC status codes used in `Status.code`.
    public enum Code: Int32, Sendable {
        case invalidArgument = 3, unavailable = 14
    }

    /// `rejected`: the spans, log records or data points refused (each signal names the field its own way in JSON).
    public static func success(_ encoding: Encoding, signal: Signal = .traces, rejected rejectedSpans: Int64 = 0, errorMessage: String = "") -> [UInt8] {
        switch encoding {
        case .protobuf:
            guard rejectedSpans > 0 || !errorMessage.isEmpty else { return [] }
            var partial = WireWriter()
            if rejectedSpans != 0 { partial.tag(1, 0); partial.varint(UInt64(bitPattern: rejectedSpans)) }
            if !errorMessage.isEmpty { partial.bytes(2, Array(errorMessage.utf8)) }
            var w = WireWriter()
            w.bytes(1, partial.out)
            return w.out
        case .json:
            guard rejectedSpans > 0 || !errorMessage.isEmpty else { return Array("{}".utf8) }
            return Array(
                JSONWriter.serialize(
                    .object([
                        JSONMember(
                            "partialSuccess",
                            .object([
                                JSONMember(Self.rejectedField[signal]!, .string(String(rejectedSpans))), JSONMember("errorMessage", .string(errorMessage)),
                            ]))
                    ])
                ).utf8)
        }
    }

    static let rejectedField: [Signal: String] = [.traces: "rejectedSpans", .logs: "rejectedLogRecords", .metrics: "rejectedDataPoints"]

    public static func status(_ encoding: Encoding, _ code: Code, _ message: String) -> [UInt8] {
        switch encoding {
        case .protobuf:
            var w = WireWriter()
            w.tag(1, 0)
            w.varint(UInt64(code.rawValue))
            w.bytes(2, Array(message.utf8))
            return w.out
        case .json:
            return Array(JSONWriter.serialize(.object([JSONMember("code", .int(Int64(code.rawValue))), JSONMember("message", .string(message))])).utf8)
        }
    }
}

extension OTLPResponse {
    /// What a peer's `ExportTraceServiceResponse` (protobuf) says it refused: `partial_success`'s
    /// rejected span count and message; nil when the body has none or does not parse.
    public static func partialSuccess(protobuf body: [UInt8]) -> (rejectedSpans: Int64, message: String)? {
        body.withUnsafeBufferPointer { buffer -> (Int64, String)? in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return nil }
            var r = WireReader(base: base, pos: 0, end: buffer.count)
            do throws(OTLPDecodingError) {
                while !r.atEnd {
                    let (field, wire) = try r.tag("ExportTraceServiceResponse")
                    guard field == 1, wire == 2 else { try r.skip(wire, field: field, "ExportTraceServiceResponse"); continue }
                    let range = try r.lengthDelimited("partial_success")
                    var p = WireReader(base: base, pos: range.lowerBound, end: range.upperBound)
                    var rejected: Int64 = 0
                    var message = ""
                    while !p.atEnd {
                        let (f, w) = try p.tag("ExportTracePartialSuccess")
                        if f == 1 && w == 0 {
                            rejected = Int64(bitPattern: try p.varint("rejected_spans"))
                        } else if f == 2 && w == 2 {
                            let m = try p.string("error_message")
                            message = String(decoding: buffer[m.lowerBound..<m.upperBound], as: UTF8.self)
                        } else {
                            try p.skip(w, field: f, "ExportTracePartialSuccess")
                        }
                    }
                    return (rejected, message)
                }
            } catch {
                return nil
            }
            return nil
        }
    }
}
