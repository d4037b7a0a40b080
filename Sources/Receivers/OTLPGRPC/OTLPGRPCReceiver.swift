import CollectorCore
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import OTLP
import OTLPGRPC
import ServiceLifecycle

/// OTLP/gRPC: `opentelemetry.proto.collector.trace.v1.TraceService/Export`. The method is registered
/// with raw-bytes (de)serializers, so the request bytes go straight to our own decoder (decoded once).
/// gzip/deflate messages are accepted; UNAUTHENTICATED without valid credentials (when `auth` is
/// set), INVALID_ARGUMENT for bad data, UNAVAILABLE (with a retry delay in the message) on pushback.
public final class OTLPGRPCReceiver: Service, Sendable {

    public let id: String
    let config: OTLPReceiverConfig.GRPC
    let consumer: any TraceConsumer
    let counters: Counters
    let logger: Logger
    let onBound: @Sendable (Int) -> Void

    public init(id: String, config: OTLPReceiverConfig.GRPC, consumer: any TraceConsumer, counters: Counters, logger: Logger,
                onBound: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.id = id
        self.config = config
        self.consumer = consumer
        self.counters = counters
        self.logger = logger
        self.onBound = onBound
    }

    private var ingest: Ingest { Ingest(receiver: id, transport: "grpc", consumer: consumer, counters: counters, limits: config.limits) }

    public func run() async throws {
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: config.endpoint.host == "localhost" ? "127.0.0.1" : config.endpoint.host, port: config.endpoint.port),
            transportSecurity: config.tls.map { tls in
                .tls(certificateChain: [.file(path: tls.certFile, format: .pem)], privateKey: .file(path: tls.keyFile, format: .pem))
            } ?? .plaintext,
            config: .defaults { c in
                c.rpc.maxRequestPayloadSize = config.maxReceiveMessageBytes
                // The transport's 64 KiB default window adds tens of ms to a multi-MB export.
                c.http2.targetWindowSize = 16 << 20
                c.http2.maxFrameSize = 1 << 20
                c.compression.enabledAlgorithms = [.gzip, .deflate]
            })
        var router = RPCRouter<HTTP2ServerTransport.Posix>()
        router.registerHandler(forMethod: TraceService.export, deserializer: RawBytes(), serializer: RawBytes()) { request, _ in
            if let auth = self.config.auth,
               !Credentials.accepts(Array(request.metadata[stringValues: "authorization"]).first, auth) {
                return StreamingServerResponse(error: RPCError(code: .unauthenticated, message: "missing or invalid credentials"))
            }
            var body: [UInt8] = []
            for try await message in request.messages { body = message }
            return await self.handle(body)
        }
        let server = GRPCServer(transport: transport, router: router)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                try await withGracefulShutdownHandler {
                    try await server.serve()
                } onGracefulShutdown: {
                    server.beginGracefulShutdown()
                }
            }
            if let port = try await transport.listeningAddress.ipv4?.port {
                logger.info("listening", metadata: ["server": "\(id)/grpc", "endpoint": "\(config.endpoint.host):\(port)"])
                onBound(port)
            }
        }
        logger.info("stopped", metadata: ["server": "\(id)/grpc"])
    }

    func handle(_ body: [UInt8]) async -> StreamingServerResponse<[UInt8]> {
        if case .refused(let reason, let retryAfter)? = ingest.precheck(bodyBytes: body.count) { return Self.refused(reason, retryAfter) }
        let batch: TraceBatch
        do {
            batch = try OTLPProtobufDecoder(maxDecodedBytes: config.maxReceiveMessageBytes * OTLPRequestDecoder.decodedBytesPerBodyByte).decode(body)
        } catch {
            if case .decodedTooLarge = error.kind {
                return StreamingServerResponse(error: RPCError(code: .resourceExhausted, message: "request too large: \(error)"))
            }
            return StreamingServerResponse(error: RPCError(code: .invalidArgument, message: "invalid OTLP trace request: \(error)"))
        }
        let result = await ingest.deliver(batch, bodyBytes: body.count)
        switch result.outcome {
        case .accepted:
            return StreamingServerResponse(single: ServerResponse(message: OTLPResponse.success(
                .protobuf, rejectedSpans: Int64(result.rejected), errorMessage: result.rejectedMessage)))
        case .refused(let reason, let retryAfter):
            return Self.refused(reason, retryAfter)
        }
    }

    private static func refused(_ reason: String, _ retryAfter: Duration) -> StreamingServerResponse<[UInt8]> {
        return StreamingServerResponse(error: RPCError(code: .unavailable, message: "data refused: \(reason); retry after \(retryAfter)"))
    }
}
