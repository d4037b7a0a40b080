import CollectorCore
import CollectorQueue
import OTLP

/// A batch's requests as OTLP protobuf bodies of at most `limit` bytes. Protobuf reads
/// back-to-back messages as one (repeated fields append), so parts join without re-encoding; a part
/// larger than the limit goes alone.
public enum OTLPBodies {
    public static func protobuf(_ parts: [TraceBatch], limit: Int) -> [[UInt8]] {
        var bodies: [[UInt8]] = []
        var body: [UInt8] = []
        for part in parts where part.itemCount > 0 {
            let encoded = OTLPProtobufEncoder().encode(part)
            if !body.isEmpty && body.count + encoded.count > limit {
                bodies.append(body)
                body = []
            }
            body += encoded
        }
        if !body.isEmpty { bodies.append(body) }
        return bodies
    }

    /// OTLP/JSON has no such join: one body per request.
    public static func json(_ parts: [TraceBatch]) -> [[UInt8]] {
        parts.filter { $0.itemCount > 0 }.map { OTLPJSONEncoder().encode($0) }
    }
}

extension ConfigMap {
    /// A map of header names to values (`headers: {x-api-key: …}`).
    public mutating func headers(_ key: String) throws(ConfigError) -> [(String, String)] {
        guard var m = try map(key) else { return [] }
        var out: [(String, String)] = []
        for name in m.keys {
            guard let value = try m.string(name) else { throw ConfigError(m.childPath(name), "expected a string") }
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }) else {
                throw ConfigError(m.childPath(name), "not a valid header name")
            }
            guard !value.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else { throw ConfigError(m.childPath(name), "header values must be one line") }
            out.append((name, value))
        }
        try m.finish()
        return out
    }
}
