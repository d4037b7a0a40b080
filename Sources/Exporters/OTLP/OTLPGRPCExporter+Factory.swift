import CollectorCore
import ExporterHelper

extension OTLPGRPCExporter: ConfiguredExporter {
    public static var example: String { "{endpoint: \"localhost:4317\", tls: {insecure: true}}" }
    /// Every signal, each as it came (OTLP).
    public static var signals: Set<Signal> { Set(Signal.allCases) }
}
