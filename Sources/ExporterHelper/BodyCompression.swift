import CollectorCore
import OTLP

/// How an HTTP exporter compresses its request bodies, in the OpenTelemetry Collector's shape:
/// `compression: gzip | zstd | none` (each exporter offers what its server decodes) and
/// `compression_params: {level: N}`. Compression is most of a gateway's CPU (three sinks, each
/// compressing the batch), so the level is the user's to trade against bytes on the wire.
public struct BodyCompression: Sendable, Equatable {
    public enum Codec: String, Sendable, CaseIterable { case gzip, zstd, none }
    public let codec: Codec
    public let level: Int

    public init(_ codec: Codec, level: Int) {
        self.codec = codec
        self.level = level
    }

    public static let none = BodyCompression(.none, level: 0)

    /// Reads `compression` and `compression_params` from an exporter's map. Defaults: gzip, at
    /// `gzipLevel` (gzip) or 3 (zstd, libzstd's own default).
    public static func decode(_ map: inout ConfigMap, offering codecs: [Codec], gzipLevel: Int) throws(ConfigError) -> BodyCompression {
        let codec = Codec(rawValue: try map.choice("compression", codecs.map(\.rawValue), default: Codec.gzip.rawValue)) ?? .gzip
        if codec == .zstd && !Zstd.isAvailable {
            throw ConfigError(map.childPath("compression"), "zstd needs libzstd.so.1, which cannot be loaded here; install libzstd1 or choose gzip")
        }
        var level = codec == .zstd ? 3 : gzipLevel
        if var params = try map.map("compression_params") {
            switch codec {
            case .gzip: level = try params.int("level", default: level, range: 1...9)
            case .zstd: level = try params.int("level", default: level, range: Zstd.levels)
            case .none:
                if params.has("level") { throw ConfigError(params.childPath("level"), "has no meaning with compression: none") }
            }
            try params.finish()
        }
        return BodyCompression(codec, level: codec == .none ? 0 : level)
    }

    /// The `Content-Encoding` of a compressed body; nil when bodies go as they are.
    public var contentEncoding: String? { codec == .none ? nil : codec.rawValue }

    /// `body` compressed; CPU work, for the blocking-I/O pool rather than an event loop.
    public func compress(_ body: [UInt8]) throws(ExportFailure) -> [UInt8] {
        do {
            switch codec {
            case .gzip: return try Gzip.compress(body, level: Int32(level))
            case .zstd: return try Zstd.compress(body, level: level)
            case .none: return body
            }
        } catch {
            throw .permanent("cannot \(codec.rawValue)-compress the body: \(error)", cause: error)
        }
    }
}
