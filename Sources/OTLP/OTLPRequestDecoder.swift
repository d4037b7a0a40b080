import CollectorCore

/// Chooses the decoder for a body: explicit format, or sniffed (gzip magic, then `{` for JSON).
public struct OTLPRequestDecoder: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case auto, protobuf, json
    }

    /// Decoded tables may take this many times the largest allowed body: realistic requests take
    /// well under one (0.4 for LLM spans); a body of empty spans or tiny values takes up to seventy,
    /// and is refused.
    public static let decodedBytesPerBodyByte = 2

    /// Decompressed bodies above this size are refused (also the guard against gzip bombs).
    public var maxDecompressedBytes: Int

    public init(maxDecompressedBytes: Int = 20 << 20) {
        self.maxDecompressedBytes = maxDecompressedBytes
    }

    public var maxDecodedBytes: Int { maxDecompressedBytes * Self.decodedBytesPerBodyByte }

    public func decode(_ body: [UInt8], format: Format = .auto) throws(OTLPDecodingError) -> TraceBatch {
        var bytes = body
        if Gzip.isGzip(bytes) { bytes = try Gzip.decompress(bytes, limit: maxDecompressedBytes) }
        switch format {
        case .protobuf: return try OTLPProtobufDecoder(maxDecodedBytes: maxDecodedBytes).decode(bytes)
        case .json: return try OTLPJSONDecoder(maxDecodedBytes: maxDecodedBytes).decode(bytes)
        case .auto:
            guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
                throw OTLPDecodingError(.emptyInput, field: "")
            }
            return first == UInt8(ascii: "{")
                ? try OTLPJSONDecoder(maxDecodedBytes: maxDecodedBytes).decode(bytes)
                : try OTLPProtobufDecoder(maxDecodedBytes: maxDecodedBytes).decode(bytes)
        }
    }
}
