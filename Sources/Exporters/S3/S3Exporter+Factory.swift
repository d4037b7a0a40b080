import CollectorCore
import ExporterHelper
import ComponentModel

extension S3Exporter {
    public struct Factory: ExporterFactory {
        public typealias Config = S3Exporter.Config
        public init() {}
        public var type: String { Config.type }
        public var example: String { "{endpoint: \"http://localhost:9000\", bucket: traces, access_key_id: key, secret_access_key: secret}" }
        public func make(_ config: Config, settings: ComponentSettings) throws(ExportFailure) -> any Exporter {
            try S3Exporter(config: config, settings: settings)
        }
    }
}
