import CollectorCore
import ExporterHelper
import ComponentModel
import Foundation

extension LangfuseExporter {
    /// `exporters.langfuse`: Langfuse's public endpoints.
    ///
    /// ```yaml
    /// langfuse:
    ///   host: ${env:LANGFUSE_HOST}                 # the base URL, e.g. https://cloud.langfuse.com
    ///   public_key: ${env:LANGFUSE_PUBLIC_KEY}
    ///   secret_key: ${env:LANGFUSE_SECRET_KEY}
    ///   mode: otlp                                 # otlp (default) or ingestion
    ///   compression: gzip                          # gzip or none (what Langfuse decodes)
    ///   compression_params: {level: 1}             # gzip 1 (fastest, the default) … 9
    ///   max_request_bytes: 8388608                 # otlp: split above this; ingestion: at most 3500000
    ///   tls: {ca_file: …, insecure_skip_verify: false}
    /// ```
    /// `otlp` posts the enriched, redacted spans as OTLP protobuf to `/api/public/otel/v1/traces` with
    /// `x-langfuse-ingestion-version: 4`; Langfuse's own `langfuse.*` attributes, which the collector's
    /// processors write, take precedence there. `ingestion` posts translated events to
    /// `/api/public/ingestion` (Langfuse v3; v4 servers accept only scores there).
    public struct Config: ExporterConfiguration {
        public static let type = "langfuse"
        /// Langfuse asks clients to keep ingestion batches at or below 3.5 MB (its body limit is 4.5 MB).
        public static let ingestionBatchLimit = 3_500_000

        public var host: String
        public var publicKey: String
        public var secretKey: String
        public var ingestionMode: Bool
        public var compression: BodyCompression
        public var maxRequestBytes: Int
        public var tls: TLSClientConfig?
        public var sending: ExporterSettings

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            host = try map.requiredString("host")
            guard host.hasPrefix("http://") || host.hasPrefix("https://"), URL(string: host)?.host != nil else {
                throw ConfigError(map.childPath("host"), "expected the Langfuse base URL (http:// or https://), got '\(host)'")
            }
            while host.hasSuffix("/") { host.removeLast() }
            publicKey = try map.requiredString("public_key")
            secretKey = try map.requiredString("secret_key")
            ingestionMode = try map.choice("mode", ["otlp", "ingestion"], default: "otlp") == "ingestion"
            compression = try BodyCompression.decode(&map, offering: [.gzip, .none], gzipLevel: 1)
            let limit = ingestionMode ? Self.ingestionBatchLimit : 64 << 20
            maxRequestBytes = try map.int("max_request_bytes", default: ingestionMode ? Self.ingestionBatchLimit : 8 << 20, range: 65_536...limit)
            tls = try map.tlsClient()
            sending = try ExporterSettings(&map, defaultTimeout: .seconds(30))
        }

        public var url: String { host + (ingestionMode ? "/api/public/ingestion" : "/api/public/otel/v1/traces") }
    }
}
