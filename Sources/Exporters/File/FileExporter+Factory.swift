import ExporterHelper

extension FileExporter: ConfiguredExporter {
    public static var example: String { "{directory: ./data/out}" }
}
