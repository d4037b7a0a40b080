import ExporterHelper

extension OTLPGRPCExporter: ConfiguredExporter {
    public static var example: String { "{endpoint: \"localhost:4317\", tls: {insecure: true}}" }
}
