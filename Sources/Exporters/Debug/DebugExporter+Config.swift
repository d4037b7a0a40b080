import CollectorCore
import ExporterHelper
import ComponentModel

extension DebugExporter {
    /// `exporters.debug`: a summary per batch on stdout.
    public struct Config: ExporterConfiguration {
        public static let type = "debug"
        /// `basic`: a line per batch; `normal`: and one per observation; `detailed`: every ingestion event.
        public enum Verbosity: String, Sendable, CaseIterable { case basic, normal, detailed }

        public var verbosity: Verbosity
        public var sending: ExporterSettings

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            verbosity = try map.choice("verbosity", default: Verbosity.basic)
            sending = try ExporterSettings(&map)
        }
    }
}
