import ExporterHelper

extension OTLPHTTPExporter: ConfiguredExporter {
    public static var example: String { "{endpoint: \"http://localhost:4318\"}" }
}
