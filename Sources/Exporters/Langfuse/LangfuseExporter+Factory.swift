import ExporterHelper

extension LangfuseExporter: ConfiguredExporter {
    public static var example: String { "{host: \"http://localhost:3000\", public_key: pk-lf-1, secret_key: sk-lf-1}" }
}
