import CollectorCore
import ExporterHelper

extension FileExporter: ConfiguredExporter {
    public static var example: String { "{directory: ./data/out}" }
    /// Every signal, each as it came (OTLP).
    public static var signals: Set<Signal> { Set(Signal.allCases) }
}
