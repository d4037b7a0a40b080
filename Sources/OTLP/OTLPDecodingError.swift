import CollectorCore

/// Why an OTLP request was refused. Never retryable (the same bytes fail the same way), except
/// `overMemoryBudget`: the memory limit was reached while decoding, and a retry may well fit.
public struct OTLPDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case truncated
        case malformedVarint
        case invalidWireType(UInt8)
        case lengthOutOfBounds(UInt64)
        case invalidUTF8
        case invalidID(length: Int)
        case tooDeep
        case invalidFieldNumber
        case invalidJSON(String)
        case unexpectedJSONType(expected: String)
        case invalidJSONValue(String)
        case emptyInput
        case decompression(String)
        case tooLarge(limit: Int)
        /// More spans, attributes or values than the decoded-size budget allows for one request.
        case decodedTooLarge(limit: Int)
        /// The memory budget (`memory_limiter`) refused the memory decoding needed.
        case overMemoryBudget
    }

    public var isRetryable: Bool { kind == .overMemoryBudget }

    public var kind: Kind
    /// Where it went wrong, e.g. `Span.name` or `resourceSpans[0].scopeSpans[1].spans[3].traceId`.
    public var field: String
    /// Byte offset of the problem in the (decompressed) body, when known.
    public var offset: Int?

    public init(_ kind: Kind, field: String, offset: Int? = nil) {
        self.kind = kind
        self.field = field
        self.offset = offset
    }

    public var description: String {
        let at = offset.map { " at byte \($0)" } ?? ""
        let what: String
        switch kind {
        case .truncated: what = "truncated message"
        case .malformedVarint: what = "malformed varint"
        case .invalidWireType(let t): what = "wrong wire type \(t)"
        case .lengthOutOfBounds(let n): what = "length \(n) runs past the end of the message"
        case .invalidUTF8: what = "invalid UTF-8"
        case .invalidID(let n): what = "id has \(n) bytes"
        case .tooDeep: what = "values nested too deep"
        case .invalidFieldNumber: what = "invalid field number 0"
        case .invalidJSON(let m): what = "malformed JSON (\(m))"
        case .unexpectedJSONType(let e): what = "expected \(e)"
        case .invalidJSONValue(let m): what = m
        case .emptyInput: what = "empty input"
        case .decompression(let m): what = "cannot decompress (\(m))"
        case .tooLarge(let limit): what = "larger than \(limit) bytes"
        case .decodedTooLarge(let limit): what = "decodes to more than \(limit) bytes of spans, attributes and values"
        case .overMemoryBudget: what = "the memory limit was reached while reading the request"
        }
        return field.isEmpty ? "\(what)\(at)" : "\(field): \(what)\(at)"
    }
}
