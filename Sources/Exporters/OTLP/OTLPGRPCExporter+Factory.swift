import CollectorCore
import ExporterHelper
import ComponentModel

extension OTLPGRPCExporter {
    public struct Factory: ExporterFactory {
        public typealias Config = OTLPGRPCExporter.Config
        public init() {}
        public var type: String { Config.type }
        public var example: String { "{endpoint: \"localhost:4317\", tls: {insecure: true}}" }
        public func make(_ config: Config, settings: ComponentSettings) throws(ExportFailure) -> any Exporter {
            try OTLPGRPCExporter(config: config, settings: settings)
        }
    }
}
