import CollectorCore

/// Environment: span attribute, then resource attribute, for each key in order; normalised as
/// Langfuse's public ingestion does.
extension SpanContext {
    public func environment() -> String {
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
