import CollectorCore
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOCore
import NIOSSL
import OTLP
import OTLPGRPC
import ServiceLifecycle
import Synchronization

/// OTLP/gRPC: `opentelemetry.proto.collector.trace.v1.TraceService/Export`, and the logs and metrics
/// services' `Export` (UNIMPLEMENTED unless a pipeline of that signal lists the receiver). Each stream's framing
/// is read by `GRPCRequestGuard`, which hands the handler one envelope: the message as sent, which
/// the handler decompresses and decodes itself (decoded once, by the same code as HTTP), or the
/// error to answer. UNAUTHENTICATED without valid credentials (checked before any message is read),
/// INVALID_ARGUMENT for bad data or framing, RESOURCE_EXHAUSTED over the size limits, UNAVAILABLE
/// (with a retry delay in the message) on pushback. TLS is ours (`ServerTLS`), ALPN `h2`.
public final class OTLPGRPCReceiver: Service, Sendable {

    public let id: String
    let config: OTLPReceiver.Config.GRPC
    let consumer: any TraceConsumer
    let auth: AuthSource
    let counters: Counters
    let logger: Logger
    let onBound: @Sendable (Int) -> Void
    private let open = OpenConnections()

    /// `auth`: the credentials to check, if they may change while running (a reload); else the config's.
    public init(
        id: String, config: OTLPReceiver.Config.GRPC, consumer: any TraceConsumer, auth: AuthSource? = nil, counters: Counters, logger: Logger,
        onBound: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.id = id
        self.config = config
        self.consumer = consumer
        self.auth = auth ?? AuthSource(config.auth)
        self.counters = counters
        self.logger = logger
        self.onBound = onBound
    }

    private var ingest: Ingest { Ingest(receiver: id, transport: "grpc", consumer: consumer, counters: counters, limits: config.limits) }

    public func run() async throws {
        let sslContext = try config.tls.map { tls in
            var c = try ServerTLS.configuration(tls)
            c.applicationProtocols = ["h2"]
            return try NIOSSLContext(configuration: c)
        }
        let maxMessageBytes = config.maxReceiveMessageBytes
        let memory = consumer.memory
        let maxConnections = config.maxConnections
        let ingest = self.ingest
        let open = self.open
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: config.endpoint.host == "localhost" ? "127.0.0.1" : config.endpoint.host, port: config.endpoint.port),
            // TLS is added per connection below, with our versions and ciphers.
            transportSecurity: .plaintext,
            config: .defaults { c in
                // The envelope: the message and one tag byte, or a short error.
                c.rpc.maxRequestPayloadSize = maxMessageBytes + GRPCEnvelope.overhead
                // The transport's 64 KiB default window adds tens of ms to a multi-MB export.
                c.http2.targetWindowSize = 16 << 20
                c.http2.maxFrameSize = 1 << 20
                // Messages reach the handler as sent; it decompresses them (see GRPCRequestGuard).
                c.compression.enabledAlgorithms = [.gzip, .deflate]
                c.channelDebuggingCallbacks.onAcceptTCPConnection = { channel in
                    if open.count.wrappingAdd(1, ordering: .relaxed).newValue > maxConnections {
                        open.count.wrappingSubtract(1, ordering: .relaxed)
                        ingest.countRefused("max_connections")
                        channel.close(promise: nil)
                        return channel.eventLoop.makeSucceededVoidFuture()
                    }
                    channel.closeFuture.whenComplete { _ in open.count.wrappingSubtract(1, ordering: .relaxed) }
                    return channel.eventLoop.makeCompletedFuture {
                        if let sslContext {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext), position: .first)
                        }
                    }
                }
                c.channelDebuggingCallbacks.onAcceptHTTP2Stream = { stream in
                    stream.eventLoop.makeCompletedFuture {
                        try stream.pipeline.syncOperations.addHandler(
                            GRPCRequestGuard(maxMessageBytes: maxMessageBytes, memory: memory) { ingest.countRefused($0) },
                            position: .first)
                    }
                }
            })
        var router = RPCRouter<HTTP2ServerTransport.Posix>()
        for (signal, method) in [(Signal.traces, TraceService.export), (.logs, LogsService.export), (.metrics, MetricsService.export)] {
            register(signal, method, &router, ingest)
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
                logger.info("listening", metadata: ["server": "\(id)/grpc", "endpoint": "\(config.endpoint.host):\(port)", "tls": "\(config.tls != nil)"])
                onBound(port)
            }
        }
        logger.info("stopped", metadata: ["server": "\(id)/grpc"])
    }

    private func register(_ signal: Signal, _ method: MethodDescriptor, _ router: inout RPCRouter<HTTP2ServerTransport.Posix>, _ ingest: Ingest) {
        router.registerHandler(forMethod: method, deserializer: GRPCEnvelope.Deserializer(), serializer: RawBytes()) { request, _ in
            guard self.consumer.accepts(signal) else {
                ingest.countRefused("not_found")
                return StreamingServerResponse(
                    error: RPCError(code: .unimplemented, message: "no \(signal.rawValue) pipeline takes data from receiver \(self.id)"))
            }
            // Exactly one authorization entry: a second one could hide the one a proxy checked.
            var tenant: String?
            if let auth = self.auth.current {
                guard let identity = Credentials.identify(Credentials.single(Array(request.metadata[stringValues: "authorization"])), auth) else {
                    ingest.countRefused("unauthenticated")
                    return StreamingServerResponse(error: RPCError(code: .unauthenticated, message: "missing or invalid credentials"))
                }
                tenant = identity.tenant
            }
            var envelopes: [GRPCEnvelope.Content] = []
            for try await message in request.messages { envelopes.append(message) }
            guard envelopes.count == 1 else {
                ingest.countRefused(WireStatus.invalid.reason)
                return StreamingServerResponse(error: RPCError(code: .invalidArgument, message: "an Export call carries exactly one message"))
            }
            return await self.handle(envelopes[0], tenant: tenant, signal: signal)
        }
    }

    func handle(_ envelope: GRPCEnvelope.Content, tenant: String? = nil, signal: Signal = .traces) async -> StreamingServerResponse<[UInt8]> {
        switch envelope {
        case .error(let code, let message):
            ingest.countRefused(WireStatus(grpc: UInt8(clamping: code)).reason)
            return StreamingServerResponse(
                error: RPCError(
                    code: RPCError.Code(Status.Code(rawValue: code) ?? .invalidArgument) ?? .invalidArgument,
                    message: message))
        case .message(let body, let coding):
            let reservation = RequestReservation(budget: consumer.memory)
            guard reservation.cover(body.capacity) else {
                ingest.countRefused(WireStatus.overMemoryLimit.reason)
                return Self.refused("memory limit reached", consumer.memory.retryAfter)
            }
            let outcome = await ingest.receive(
                body, coding: coding == .gzip ? .gzip : coding == .deflate ? .deflate : .identity, json: false,
                maxBodyBytes: config.maxReceiveMessageBytes, reservation: reservation, tenant: tenant, signal: signal)
            switch outcome {
            case .accepted(let rejected):
                return StreamingServerResponse(
                    single: ServerResponse(
                        message: OTLPResponse.success(
                            .protobuf, signal: signal, rejected: Int64(rejected), errorMessage: Ingest.rejectedMessage(rejected))))
            case .refused(let reason, let retryAfter):
                return Self.refused(reason, retryAfter)
            case .tooLarge(let message):
                return Self.error(.tooLarge, message)
            case .invalid(let message):
                return Self.error(.invalid, message)
            case .unauthorized(let message):
                return StreamingServerResponse(error: RPCError(code: .unauthenticated, message: message))
            }
        }
    }

    private static func refused(_ reason: String, _ retryAfter: Duration) -> StreamingServerResponse<[UInt8]> {
        error(.overMemoryLimit, "data refused: \(reason); retry after \(retryAfter)")
    }

    private static func error(_ status: WireStatus, _ message: String) -> StreamingServerResponse<[UInt8]> {
        StreamingServerResponse(
            error: RPCError(code: RPCError.Code(Status.Code(rawValue: Int(status.grpc)) ?? .invalidArgument) ?? .invalidArgument, message: message))
    }
}

/// Connections a gRPC receiver has open.
final class OpenConnections: Sendable {
    let count = Atomic<Int>(0)
}
