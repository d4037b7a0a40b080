import CollectorCore
import ExporterHelper
import ComponentModel

extension DebugExporter {
    public struct Factory: ExporterFactory {
        public typealias Config = DebugExporter.Config
        public init() {}
        public var type: String { Config.type }
        public var example: String { "{}" }
        public func make(_ config: Config, settings: ComponentSettings) throws(ExportFailure) -> any Exporter {
            DebugExporter(config: config, settings: settings)
        }
    }
}
