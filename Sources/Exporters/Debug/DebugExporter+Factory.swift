import CollectorCore
import ExporterHelper

extension DebugExporter: ConfiguredExporter {
    public static var example: String { "{}" }
    /// Every signal, each as it came (OTLP).
    public static var signals: Set<Signal> { Set(Signal.allCases) }
}
