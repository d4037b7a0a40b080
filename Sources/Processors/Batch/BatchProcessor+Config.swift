import CollectorCore

/// `processors.batch`: groups requests into batches by spans, bytes or time before export (the
/// `Batcher` runs it).
public enum BatchProcessor {
    public static let type = "batch"

    /// Defaults as the OpenTelemetry Collector's: 8192 spans, no hard maximum, 200 ms; no byte threshold.
    public struct Config: Sendable, Equatable {
        public var sendBatchSize: Int
        public var sendBatchMaxSize: Int
        /// Flush once the pending requests' bytes reach this (0: no byte threshold).
        public var sendBatchBytes: Int
        public var timeout: Duration

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            sendBatchSize = try map.int("send_batch_size", default: 8192, range: 1...1_000_000)
            sendBatchMaxSize = try map.int("send_batch_max_size", default: 0, range: 0...10_000_000)
            sendBatchBytes = try map.int("send_batch_bytes", default: 0, range: 0...(1 << 32))
            timeout = try map.duration("timeout", default: .milliseconds(200))
            if sendBatchMaxSize != 0 && sendBatchMaxSize < sendBatchSize {
                throw ConfigError(map.childPath("send_batch_max_size"), "must be 0 or at least send_batch_size (\(sendBatchSize))")
            }
            if timeout <= .zero { throw ConfigError(map.childPath("timeout"), "must be positive") }
        }
    }
}
