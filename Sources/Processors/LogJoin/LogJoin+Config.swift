import CollectorCore

/// `processors.log_join`: GenAI event log records attached to their model call's span, before
/// translation. List the same id in a traces pipeline and a logs pipeline: the two share it.
///
/// ```yaml
/// log_join:
///   join_window: 5s            # how long a span waits for its records, and records for their span
///   max_spans: 10000           # spans waiting at most
///   max_records: 100000        # records waiting at most
///   max_size_mib: 64           # bytes held, both sides
///   scopes: [...]              # instrumentation scopes whose model spans wait (default: those known to log content)
/// ```
public enum LogJoin {
    public static let type = "log_join"

    /// Instrumentations that put prompts and completions in log records rather than on the span.
    public static let defaultScopes = [
        "opentelemetry.instrumentation.openai_v2", "opentelemetry.instrumentation.google_genai",
        "opentelemetry.instrumentation.vertexai", "opentelemetry.instrumentation.botocore",
        // The contrib GenAI utility the newer instrumentations emit through (`gen_ai.client.inference.operation.details`).
        "opentelemetry.util.genai.handler",
    ]

    public struct Config: Sendable, Equatable {
        public var window: Duration
        public var maxSpans: Int
        public var maxRecords: Int
        public var maxBytes: Int
        public var scopes: [String]

        public init(
            window: Duration = .seconds(5), maxSpans: Int = 10_000, maxRecords: Int = 100_000, maxBytes: Int = 64 << 20, scopes: [String] = defaultScopes
        ) {
            self.window = window
            self.maxSpans = maxSpans
            self.maxRecords = maxRecords
            self.maxBytes = maxBytes
            self.scopes = scopes
        }

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            window = try map.duration("join_window", default: .seconds(5))
            if window <= .zero { throw ConfigError(map.childPath("join_window"), "must be positive") }
            maxSpans = try map.int("max_spans", default: 10_000, range: 1...10_000_000)
            maxRecords = try map.int("max_records", default: 100_000, range: 1...100_000_000)
            maxBytes = try map.int("max_size_mib", default: 64, range: 1...1_048_576) << 20
            let listed = try map.strings("scopes")
            scopes = map.has("scopes") ? listed : defaultScopes
        }
    }
}
