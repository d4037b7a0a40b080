import CollectorCore
import ExporterHelper
import ComponentModel

extension LangfuseExporter {
    public struct Factory: ExporterFactory {
        public typealias Config = LangfuseExporter.Config
        public init() {}
        public var type: String { Config.type }
        public var example: String { "{host: \"http://localhost:3000\", public_key: pk-lf-1, secret_key: sk-lf-1}" }
        public func make(_ config: Config, settings: ComponentSettings) throws(ExportFailure) -> any Exporter {
            try LangfuseExporter(config: config, settings: settings)
        }
    }
}
