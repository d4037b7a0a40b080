import CollectorCore
import ExporterHelper
import ComponentModel
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import OTLP
import OTLPGRPC

/// Forwards batches as OTLP/gRPC over one HTTP/2 connection (reconnecting as needed). Status codes
/// as the OTLP specification says: CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE,
/// DATA_LOSS and RESOURCE_EXHAUSTED are retried, the others are permanent.
public final class OTLPGRPCExporter: Exporter {
    public let id: String
    public let needsRecords = false
    let config: OTLPGRPCExporter.Config
    let counters: Counters?
    let logger: Logger
    let client: GRPCClient<HTTP2ClientTransport.Posix>

    public init(config: Config, settings: ComponentSettings) throws(ExportFailure) {
        self.id = settings.id.description
        self.config = config
        self.counters = settings.counters
        self.logger = settings.logger
        let security: HTTP2ClientTransport.Posix.TransportSecurity
        if config.plaintext {
            security = .plaintext
        } else {
            let tls = config.tls ?? TLSClientConfig()
            security = .tls { t in
                if let ca = tls.caFile { t.trustRoots = .certificates([.file(path: ca, format: .pem)]) }
                if let cert = tls.certFile, let key = tls.keyFile {
                    t.certificateChain = [.file(path: cert, format: .pem)]
                    t.privateKey = .file(path: key, format: .pem)
                }
                if tls.insecureSkipVerify { t.serverCertificateVerification = .noVerification }
            }
        }
        let transport: HTTP2ClientTransport.Posix
        do {
            transport = try HTTP2ClientTransport.Posix(
                target: Self.target(config.host, config.port), transportSecurity: security,
                config: .defaults { c in
                    c.compression.enabledAlgorithms = [.gzip, .deflate]
                    c.http2.maxFrameSize = 1 << 20
                })
        } catch {
            throw .permanent("cannot set up the gRPC connection to \(config.host):\(config.port): \(error)", cause: error)
        }
        client = GRPCClient(transport: transport)
    }

    /// The client's connections, run by the sending queue for as long as it runs.
    public func run() async {
        do {
            try await client.runConnections()
        } catch {
            logger.error("gRPC client stopped", metadata: ["exporter": "\(id)", "error": "\(error)"])
        }
    }

    static let methods: [Signal: MethodDescriptor] = [.traces: TraceService.export, .logs: LogsService.export, .metrics: MetricsService.export]

    public func export(_ item: ExportItem) async throws(ExportFailure) {
        var metadata = Metadata()
        for (name, value) in config.headers { metadata.addString(value, forKey: name.lowercased()) }
        var options = CallOptions.defaults
        options.timeout = config.sending.timeout
        if config.gzip { options.compression = .gzip }
        for body in OTLPBodies.protobuf(item.parts, limit: config.maxRequestBytes) {
            let response: [UInt8]
            do {
                response = try await client.unary(
                    request: ClientRequest(message: body, metadata: metadata), descriptor: Self.methods[item.signal]!,
                    serializer: RawBytes(), deserializer: RawBytes(), options: options
                ) { try $0.message }
            } catch let error as RPCError {
                throw Self.classify(error)
            } catch {
                throw .retryable("OTLP/gRPC to \(config.host):\(config.port) failed: \(error)", cause: error)
            }
            if let partial = OTLPResponse.partialSuccess(protobuf: response), partial.rejectedSpans > 0 {
                counters?.add(.exporterItems(item.signal, .dropped), Int(partial.rejectedSpans), ["exporter": id, "reason": "rejected_by_peer"])
                logger.warning(
                    "the peer refused \(item.signal.items)",
                    metadata: ["exporter": "\(id)", "\(item.signal.items)": "\(partial.rejectedSpans)", "message": "\(partial.message)"])
            }
        }
    }

    public func shutdown() async {
        client.beginGracefulShutdown()
    }

    /// An IP literal is dialled as such: a DNS target would offer the address as the TLS server
    /// name, which TLS forbids (the certificate chain is still verified).
    static func target(_ host: String, _ port: Int) -> any ResolvableTarget {
        if host.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }) && host.split(separator: ".").count == 4 {
            return .ipv4(address: host, port: port)
        }
        if host.contains(":") { return .ipv6(address: host, port: port) }
        return .dns(host: host, port: port)
    }

    static let retryableCodes: Set<RPCError.Code> = [.cancelled, .deadlineExceeded, .aborted, .outOfRange, .unavailable, .dataLoss, .resourceExhausted]

    static func classify(_ error: RPCError) -> ExportFailure {
        let summary = "OTLP/gRPC \(error.code): \(error.message)"
        return retryableCodes.contains(error.code) ? .retryable(summary, cause: error) : .permanent(summary, cause: error)
    }
}
