import CollectorCore

/// Chooses the decoder for a body: explicit format, or sniffed (gzip magic, then `{` for JSON).
public struct OTLPRequestDecoder: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case auto, protobuf, json
    }

    /// Decompressed bodies above this size are refused (also the guard against gzip bombs).
    public var maxDecompressedBytes: Int

    public init(maxDecompressedBytes: Int = 20 << 20) {
        self.maxDecompressedBytes = maxDecompressedBytes
    }

    public func decode(_ body: [UInt8], format: Format = .auto) throws(OTLPDecodingError) -> TraceBatch {
        var bytes = body
        if Gzip.isGzip(bytes) { bytes = try Gzip.decompress(bytes, limit: maxDecompressedBytes) }
        switch format {
        case .protobuf: return try OTLPProtobufDecoder().decode(bytes)
        case .json: return try OTLPJSONDecoder().decode(bytes)
        case .auto:
            guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
                throw OTLPDecodingError(.emptyInput, field: "")
            }
            return first == UInt8(ascii: "{") ? try OTLPJSONDecoder().decode(bytes) : try OTLPProtobufDecoder().decode(bytes)
        }
    }
}
