import CollectorCore
import ComponentModel
import ExporterHelper

/// `exporters.nop`: takes every signal and keeps nothing, as the OpenTelemetry Collector's exporter of
/// that name. For a pipeline whose data is wanted only on the way (a logs pipeline that feeds
/// `log_join`); what it takes is counted as sent, so the count still shows.
public struct NopExporter: Exporter {
    public let id: String
    public let needsRecords = false

    public init(config: Config, settings: ComponentSettings) {
        id = settings.id.description
    }

    public func export(_ item: ExportItem) async throws(ExportFailure) {}
    public func shutdown() async {}
}

extension NopExporter {
    public struct Config: ExporterConfiguration {
        public static let type = "nop"
        public var sending: ExporterSettings

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            sending = try ExporterSettings(&map)
        }
    }
}

extension NopExporter: ConfiguredExporter {
    public static var example: String { "{}" }
    public static var signals: Set<Signal> { Set(Signal.allCases) }
}
