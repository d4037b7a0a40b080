import CollectorCore
import ExporterHelper

extension OTLPHTTPExporter: ConfiguredExporter {
    public static var example: String { "{endpoint: \"http://localhost:4318\"}" }
    /// Every signal, each as it came (OTLP).
    public static var signals: Set<Signal> { Set(Signal.allCases) }
}
