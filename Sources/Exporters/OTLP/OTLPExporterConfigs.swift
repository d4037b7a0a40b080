import CollectorCore
import ExporterHelper
import ComponentModel
import Foundation

extension OTLPHTTPExporter {
    /// `exporters.otlp_http`: OTLP/HTTP to another collector (a gateway) or any OTLP backend.
    ///
    /// ```yaml
    /// otlp_http:
    ///   endpoint: ${env:OTLP_GATEWAY_ENDPOINT}   # base URL; /v1/traces, /v1/logs, /v1/metrics are appended
    ///   traces_endpoint: ""                      # the full URL instead (logs_endpoint, metrics_endpoint)
    ///   headers: {authorization: "Bearer ${env:GATEWAY_TOKEN}"}
    ///   compression: gzip                        # gzip, zstd or none
    ///   compression_params: {level: 1}           # gzip 1 (fastest, the default) … 9; zstd 1 … 19 (3)
    ///   encoding: proto                          # proto or json
    ///   max_request_bytes: 8388608               # requests are joined up to this size
    ///   tls: {ca_file: …, cert_file: …, key_file: …, insecure_skip_verify: false}
    /// ```
    public struct Config: ExporterConfiguration {
        public static let type = "otlp_http"

        /// Where each signal goes; a signal without one (only `traces_endpoint` given) cannot be sent.
        public var urls: [Signal: String] = [:]
        public var url: String { urls[.traces] ?? "" }
        public var headers: [(String, String)]
        public var compression: BodyCompression
        public var json: Bool
        public var maxRequestBytes: Int
        public var tls: TLSClientConfig?
        public var sending: ExporterSettings

        public static func == (a: Self, b: Self) -> Bool {
            a.urls == b.urls && a.headers.elementsEqual(b.headers) { $0 == $1 } && a.compression == b.compression && a.json == b.json
                && a.maxRequestBytes == b.maxRequestBytes && a.tls == b.tls && a.sending == b.sending
        }

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            let endpoint = try map.string("endpoint", default: "")
            var base = endpoint
            while base.hasSuffix("/") { base.removeLast() }
            for signal in Signal.allCases {
                let key = "\(signal.rawValue)_endpoint"
                let own = try map.string(key, default: "")
                guard !own.isEmpty || !endpoint.isEmpty else { continue }
                let url = own.isEmpty ? base + "/v1/\(signal.rawValue)" : own
                guard url.hasPrefix("http://") || url.hasPrefix("https://"), URL(string: url)?.host != nil else {
                    throw ConfigError(
                        map.childPath(own.isEmpty ? "endpoint" : key), "expected an http:// or https:// URL, got '\(own.isEmpty ? endpoint : own)'")
                }
                urls[signal] = url
            }
            guard !urls.isEmpty else { throw ConfigError(map.childPath("endpoint"), "give endpoint or traces_endpoint") }
            headers = try map.headers("headers")
            compression = try BodyCompression.decode(&map, offering: [.gzip, .zstd, .none], gzipLevel: 1)
            json = try map.choice("encoding", ["proto", "json"], default: "proto") == "json"
            maxRequestBytes = try map.int("max_request_bytes", default: 8 << 20, range: 65_536...(64 << 20))
            tls = try map.tlsClient()
            sending = try ExporterSettings(&map)
        }
    }
}

extension OTLPGRPCExporter {
    /// `exporters.otlp_grpc`: OTLP/gRPC to another collector or backend.
    ///
    /// ```yaml
    /// otlp_grpc:
    ///   endpoint: gateway.observability:4317     # host:port; http:// means plaintext, https:// TLS
    ///   headers: {authorization: "Bearer …"}
    ///   compression: gzip                        # gzip or none
    ///   tls: {insecure: false, ca_file: …, cert_file: …, key_file: …, insecure_skip_verify: false}
    /// ```
    /// Without a scheme the connection uses TLS unless `tls.insecure: true`, as the OpenTelemetry
    /// Collector's gRPC exporter does.
    public struct Config: ExporterConfiguration {
        public static let type = "otlp_grpc"

        public var host: String
        public var port: Int
        public var plaintext: Bool
        public var headers: [(String, String)]
        public var gzip: Bool
        public var maxRequestBytes: Int
        public var tls: TLSClientConfig?
        public var sending: ExporterSettings

        public static func == (a: Self, b: Self) -> Bool {
            a.host == b.host && a.port == b.port && a.plaintext == b.plaintext && a.headers.elementsEqual(b.headers) { $0 == $1 }
                && a.gzip == b.gzip && a.maxRequestBytes == b.maxRequestBytes && a.tls == b.tls && a.sending == b.sending
        }

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            var endpoint = try map.requiredString("endpoint")
            var scheme: String?
            for s in ["http://", "https://"] where endpoint.hasPrefix(s) {
                scheme = s
                endpoint.removeFirst(s.count)
            }
            while endpoint.hasSuffix("/") { endpoint.removeLast() }
            let parsed = try Endpoint(parsing: endpoint, path: map.childPath("endpoint"))
            host = parsed.host
            port = parsed.port
            headers = try map.headers("headers")
            gzip = try map.choice("compression", ["gzip", "none"], default: "gzip") == "gzip"
            maxRequestBytes = try map.int("max_request_bytes", default: 4 << 20, range: 65_536...(16 << 20))
            var insecure = false
            if var t = try map.map("tls") {
                insecure = try t.bool("insecure", default: false)
                tls = try TLSClientConfig(&t)
            }
            if scheme == "https://" && insecure { throw ConfigError(map.childPath("tls.insecure"), "contradicts the https:// endpoint") }
            plaintext = scheme == "http://" || (scheme == nil && insecure)
            sending = try ExporterSettings(&map)
        }
    }
}
