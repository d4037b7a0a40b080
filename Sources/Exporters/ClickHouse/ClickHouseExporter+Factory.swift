import CollectorCore
import ExporterHelper
import ComponentModel

extension ClickHouseExporter {
    public struct Factory: ExporterFactory {
        public typealias Config = ClickHouseExporter.Config
        public init() {}
        public var type: String { Config.type }
        public var example: String { "{endpoint: \"http://localhost:8123\", project_id: my-project}" }
        /// One insert per request makes many small parts; ClickHouse merges them at a cost.
        public var unbatchedWarning: String? {
            "a clickhouse exporter without a batch processor inserts once per request; add batch (about 5000 spans or 1s)"
        }
        public func make(_ config: Config, settings: ComponentSettings) throws(ExportFailure) -> any Exporter {
            try ClickHouseExporter(config: config, settings: settings)
        }
    }
}
