import ExporterHelper

extension DebugExporter: ConfiguredExporter {
    public static var example: String { "{}" }
}
