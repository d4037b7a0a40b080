import ExporterHelper

extension S3Exporter: ConfiguredExporter {
    public static var example: String { "{endpoint: \"http://localhost:9000\", bucket: traces, access_key_id: key, secret_access_key: secret}" }
}
