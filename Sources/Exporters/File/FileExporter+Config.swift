import CollectorCore
import ExporterHelper
import ComponentModel

extension FileExporter {
    /// `exporters.file`: JSON Lines under a directory, rotated by size and time (the embedded default).
    public struct Config: ExporterConfiguration {
        public static let type = "file"
        /// Langfuse ingestion events, or one OTLP/JSON export request per line.
        public enum Format: String, Sendable, CaseIterable { case langfuse, otlpJSON = "otlp_json" }

        public var directory: String
        public var format: Format
        public var maxFileSizeBytes: Int
        public var rotateInterval: Duration
        public var sending: ExporterSettings

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            directory = try map.requiredString("directory")
            format = try map.choice("format", default: Format.langfuse)
            maxFileSizeBytes = try map.int("max_file_size_bytes", default: 100 << 20, range: 4096...(1 << 40))
            rotateInterval = try map.duration("rotate_interval", default: .seconds(3600))
            sending = try ExporterSettings(&map)
        }
    }
}

extension FileExporter.Config {
    /// A directory that cannot be written would have every batch dropped after an OK.
    public func checkRunnable(path: String) throws(ConfigError) {
        try checkSending(path: path)
        if let problem = PrivateFiles.checkWritable(directory) { throw ConfigError(path + ".directory", problem) }
    }
}
