import CollectorCore

/// The bodies an OTLP receiver answers with, in the request's encoding: the export response
/// (with `partial_success` when spans were refused) and, for errors, a `google.rpc.Status`.
public enum OTLPResponse {
    public enum Encoding: Sendable { case protobuf, json }

    /// gRPC status codes used in `Status.code`.
    public enum Code: Int32, Sendable {
        case invalidArgument = 3, unavailable = 14
    }

    public static func success(_ encoding: Encoding, rejectedSpans: Int64 = 0, errorMessage: String = "") -> [UInt8] {
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
            return Array(JSONWriter.serialize(.object([JSONMember("partialSuccess", .object([
                JSONMember("rejectedSpans", .string(String(rejectedSpans))), JSONMember("errorMessage", .string(errorMessage)),
            ]))])).utf8)
        }
    }

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
