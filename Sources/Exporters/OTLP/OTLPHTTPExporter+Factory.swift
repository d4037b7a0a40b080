import CollectorCore
import ExporterHelper
import ComponentModel

extension OTLPHTTPExporter {
    public struct Factory: ExporterFactory {
        public typealias Config = OTLPHTTPExporter.Config
        public init() {}
        public var type: String { Config.type }
        public var example: String { "{endpoint: \"http://localhost:4318\"}" }
        public func make(_ config: Config, settings: ComponentSettings) throws(ExportFailure) -> any Exporter {
            try OTLPHTTPExporter(config: config, settings: settings)
        }
    }
}
