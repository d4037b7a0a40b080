import ExporterHelper

extension ClickHouseExporter: ConfiguredExporter {
    public static var example: String { "{endpoint: \"http://localhost:8123\", project_id: my-project}" }
    /// One insert per request makes many small parts; ClickHouse merges them at a cost.
    public static var unbatchedWarning: String? {
        "a clickhouse exporter without a batch processor inserts once per request; add batch (about 5000 spans or 1s)"
    }
}
