import CollectorCore

/// Environment: span attribute, then resource attribute, for each key in order; normalised as
/// Langfuse's public ingestion does.
extension SpanContext {
    func environment() -> String {
        for key in MappingTables.environmentKeys {
            if let v = truthy(key) { return normalizedEnvironment(v) }
            if let v = resourceValue(key), batch.isTruthy(v) { return normalizedEnvironment(v) }
        }
        return Environment.defaultName
    }

    /// Spans of a batch nearly always share their environment: the last result is reused.
    private func normalizedEnvironment(_ v: AttributeValue) -> String {
        guard case .string(let r) = v else { return Environment.normalize(batch.stringified(v)) }
        if let cached = caches.environment, batch.sameBytes(cached.raw, r) { return cached.normalized }
        let normalized = Environment.normalize(batch.string(r))
        caches.environment = (r, normalized)
        return normalized
    }
}

public enum Environment {
    public static let defaultName = "default"
    public static let maxLength = 40

    /// Lower-case; strip every leading `langfuse` (with an optional `-`/`_`); cut to 40 characters;
    /// anything empty or outside `[a-z0-9_-]` becomes `default`.
    public static func normalize(_ raw: String) -> String {
        var s = Substring(raw.lowercased())
        while s.hasPrefix("langfuse") {
            s = s.dropFirst("langfuse".count)
            if s.hasPrefix("-") || s.hasPrefix("_") { s = s.dropFirst() }
        }
        let cut = String(s.prefix(maxLength))
        let allowed = cut.utf8.allSatisfy { c in
            (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 95 || c == 45
        }
        return cut.isEmpty || !allowed ? defaultName : cut
    }
}
