import CollectorCore
import ExporterHelper
import ComponentModel

extension FileExporter {
    public struct Factory: ExporterFactory {
        public typealias Config = FileExporter.Config
        public init() {}
        public var type: String { Config.type }
        public var example: String { "{directory: ./data/out}" }
        public func make(_ config: Config, settings: ComponentSettings) throws(ExportFailure) -> any Exporter {
            FileExporter(config: config, settings: settings)
        }
    }
}
