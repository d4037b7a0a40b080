import CollectorCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// One HTTP request as the handlers see it. `reservation` holds the memory reserved for the body
/// (from the server's memory budget); a handler that hands the body on passes it along.
public struct HTTPRequest: @unchecked Sendable {  // the reservation is used by the one task that handles the request
    public var method: HTTPMethod
    public var path: String
    /// The path with its query, as the client sent it.
    public var uri: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var reservation: RequestReservation

    public init(
        method: HTTPMethod, path: String, headers: HTTPHeaders, body: [UInt8],
        reservation: RequestReservation = RequestReservation(budget: UnlimitedMemory()), uri: String? = nil
    ) {
        self.method = method
        self.path = path
        self.uri = uri ?? path
        self.headers = headers
        self.body = body
        self.reservation = reservation
    }
}

public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// A body passed on as it arrives (chunked), instead of `body`: an upstream's answer. A failure
    /// part-way closes the connection, so the client sees a cut answer, not a complete wrong one.
    public var streamed: AsyncThrowingStream<[UInt8], any Error>?

    public init(
        _ status: HTTPResponseStatus, contentType: String = "text/plain; charset=utf-8", body: [UInt8] = [],
        headers: [(String, String)] = []
    ) {
        self.status = status
        self.headers = [("Content-Type", contentType)] + headers
        self.body = body
    }

    public static func text(_ status: HTTPResponseStatus, _ text: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status, body: Array((text + "\n").utf8), headers: headers)
    }
}

/// A minimal HTTP/1.1 server on SwiftNIO's async channels: one task per connection, keep-alive
/// honoured. Hardened for the open network:
/// - `headCheck` sees each request's head before any of its body is read; an answer there (a 401,
///   say) is sent at once and the body is never buffered;
/// - the body is reserved from `memory` as it arrives, so concurrent uploads cannot pass the memory
///   limit (503 with Retry-After, then the connection closes);
/// - at most `limits.maxConnections` connections; slow headers, slow bodies and idle keep-alive
///   connections are closed (`HTTPTimeouts`);
/// - a client's half-close after a complete request still gets its answer.
/// On graceful shutdown it stops accepting, closes idle keep-alive connections at once, and answers
/// in-flight requests with `Connection: close`.
public final class HTTPServer: Service, Sendable {
    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse
    public typealias HeadCheck = @Sendable (HTTPRequestHead) -> HTTPResponse?

    public let name: String
    let endpoint: Endpoint
    let tls: TLSConfig?
    let maxBodyBytes: Int
    let limits: HTTPServerLimits
    let memory: any MemoryBudget
    let headCheck: HeadCheck
    let handler: Handler
    /// Told of every request or connection refused by the server itself, with a reason
    /// (`max_connections`, `memory_limit`, `too_large`, the timeouts'); the owner counts them.
    let onRefused: @Sendable (String) -> Void
    let logger: Logger
    /// Called with the bound port once listening (tests bind port 0).
    let onBound: @Sendable (Int) -> Void
    private let connections = Connections()

    /// Bytes of an unread body drained after an early answer, so the client reads the answer
    /// instead of a reset; beyond this the connection is closed.
    static let drainAfterEarlyAnswer = 1 << 20

    public init(
        name: String, endpoint: Endpoint, tls: TLSConfig? = nil, maxBodyBytes: Int, limits: HTTPServerLimits = .defaults,
        memory: any MemoryBudget = UnlimitedMemory(), logger: Logger, onBound: @escaping @Sendable (Int) -> Void = { _ in },
        onRefused: @escaping @Sendable (String) -> Void = { _ in },
        headCheck: @escaping HeadCheck = { _ in nil }, handler: @escaping Handler
    ) {
        self.name = name
        self.endpoint = endpoint
        self.tls = tls
        self.maxBodyBytes = maxBodyBytes
        self.limits = limits
        self.memory = memory
        self.logger = logger
        self.onBound = onBound
        self.onRefused = onRefused
        self.headCheck = headCheck
        self.handler = handler
    }

    public func run() async throws {
        // Certificate and key are read once, before binding: a bad file stops start-up.
        let sslContext = try tls.map { try NIOSSLContext(configuration: try ServerTLS.configuration($0)) }
        let limits = self.limits
        let onRefused = self.onRefused
        let logger = self.logger
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            // Ahead of NIO's accept backoff, which pauses accepting for a second and swallows the error.
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptFailures(logger: logger, onRefused: onRefused))
                }
            }
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            // A TCP-level option: as a socket-level one the same number is SO_DEBUG, which needs
            // CAP_NET_ADMIN (a non-root container refused it, and the server stopped).
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            // A client that sends its request and half-closes still gets the answer.
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            // OTLP bodies run to megabytes: reads may grow to 1 MiB, so a body arrives in a few
            // parts rather than hundreds (the allocator shrinks again for small requests).
            .childChannelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 16 << 10, maximum: 1 << 20))
            .bind(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let timeouts = HTTPTimeouts(limits: limits) { reason in onRefused(reason.rawValue) }
                    let ops = channel.pipeline.syncOperations
                    if let sslContext { try ops.addHandler(NIOSSLServerHandler(context: sslContext)) }
                    try ops.addHandler(ByteActivity(timeouts: timeouts))
                    try ops.configureHTTPServerPipeline(withErrorHandling: true)
                    try ops.addHandler(timeouts)
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        let port = server.channel.localAddress?.port ?? endpoint.port
        logger.info("listening", metadata: ["server": "\(name)", "endpoint": "\(endpoint.host):\(port)", "tls": "\(tls != nil)"])
        onBound(port)
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        guard self.connections.count < limits.maxConnections, self.connections.add(connection.channel) else {
                            // Refused before anything is read: a file descriptor for a moment is all it
                            // cost. Closed through the async channel, which must finish its writer.
                            if !self.connections.closing { onRefused("max_connections") }
                            group.addTask { try? await connection.executeThenClose { _, _ in } }
                            continue
                        }
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
            self.connections.closeIdle()
        }
        logger.info("stopped", metadata: ["server": "\(name)"])
    }

    private enum Step {
        /// Reading a request's body into memory reserved for it.
        case reading(HTTPRequestHead, body: [UInt8], reservation: RequestReservation)
        /// Answered early: the rest of this request is read and dropped, up to a bound.
        case draining(left: Int)
        case waiting
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        let channel = connection.channel
        defer { connections.remove(channel) }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var step = Step.waiting
                /// Sends an answer before the request is read whole, then closes our side.
                func answerEarly(_ head: HTTPRequestHead, _ response: HTTPResponse) async throws {
                    try await write(response, for: head, keepAlive: false, to: outbound)
                    channel.close(mode: .output, promise: nil)
                    step = .draining(left: Self.drainAfterEarlyAnswer)
                }
                for try await part in inbound {
                    switch (part, step) {
                    case (.head(let h), _):
                        _ = connections.busy(channel, true)
                        if let early = headCheck(h) {
                            try await answerEarly(h, early)
                            continue
                        }
                        let reservation = RequestReservation(budget: memory)
                        var body: [UInt8] = []  // read straight into the array the decoder keeps (one copy)
                        if let length = h.headers.first(name: "content-length").flatMap(Int.init) {
                            if length > maxBodyBytes {
                                onRefused("too_large")
                                try await answerEarly(h, .text(.payloadTooLarge, "body larger than \(maxBodyBytes) bytes"))
                                continue
                            }
                            guard reservation.cover(length) else {
                                onRefused("memory_limit")
                                try await answerEarly(h, refusal())
                                continue
                            }
                            body.reserveCapacity(length)
                        }
                        step = .reading(h, body: body, reservation: reservation)
                    case (.body(let chunk), .reading(let h, var body, let reservation)):
                        step = .waiting  // the array is uniquely referenced while it grows
                        let total = body.count + chunk.readableBytes
                        if total > maxBodyBytes {
                            onRefused("too_large")
                            try await answerEarly(h, .text(.payloadTooLarge, "body larger than \(maxBodyBytes) bytes"))
                            continue
                        }
                        guard reservation.cover(max(total, body.capacity)) else {
                            onRefused("memory_limit")
                            try await answerEarly(h, refusal())
                            continue
                        }
                        body.append(contentsOf: chunk.readableBytesView)
                        step = .reading(h, body: body, reservation: reservation)
                    case (.body(let chunk), .draining(let left)):
                        if chunk.readableBytes > left { return }
                        step = .draining(left: left - chunk.readableBytes)
                    case (.end, .reading(let h, let body, let reservation)):
                        step = .waiting
                        let path = String(h.uri.split(separator: "?", maxSplits: 1).first ?? "")
                        let response = await handler(
                            HTTPRequest(
                                method: h.method, path: path, headers: h.headers, body: body,
                                reservation: reservation, uri: h.uri))
                        let keepAlive = h.isKeepAlive && !connections.closing
                        try await write(response, for: h, keepAlive: keepAlive, to: outbound)
                        // Shutdown may have begun during the write; it skipped this busy connection.
                        if connections.busy(channel, false) || !keepAlive { return }
                    case (.end, .draining):
                        return
                    case (.body, .waiting), (.end, .waiting):
                        continue
                    }
                }
            }
        } catch {
            logger.debug("connection ended", metadata: ["server": "\(name)", "error": "\(error)"])
        }
    }

    private func refusal() -> HTTPResponse {
        let seconds = max(1, Int(memory.retryAfter.components.seconds))
        return .text(
            .serviceUnavailable, "memory limit of \(memory.limitBytes >> 20) MiB in flight reached; retry later",
            headers: [("Retry-After", String(seconds))])
    }

    private func write(
        _ response: HTTPResponse, for head: HTTPRequestHead, keepAlive: Bool,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
        var headers = HTTPHeaders(response.headers)
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        if let streamed = response.streamed {
            headers.remove(name: "Content-Length")
            headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
            try await outbound.write(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers)))
            for try await chunk in streamed where !chunk.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: chunk)))) }
            try await outbound.write(.end(nil))
            return
        }
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        // One write of the three parts: one hand-over to the event loop, one flush.
        try await outbound.write(contentsOf: [
            .head(HTTPResponseHead(version: head.version, status: response.status, headers: headers)),
            .body(.byteBuffer(ByteBuffer(bytes: response.body))),
            .end(nil),
        ])
    }
}

extension HTTPServer {
    /// Open connections and whether each is answering a request now.
    final class Connections: Sendable {
        private let state = Mutex<(closing: Bool, open: [ObjectIdentifier: (channel: any Channel, busy: Bool)])>((false, [:]))

        /// Registers a connection; false when shutdown has begun.
        func add(_ channel: any Channel) -> Bool {
            state.withLock { s in
                if s.closing { return false }
                s.open[ObjectIdentifier(channel)] = (channel, false)
                return true
            }
        }

        func remove(_ channel: any Channel) { state.withLock { _ = $0.open.removeValue(forKey: ObjectIdentifier(channel)) } }

        var count: Int { state.withLock { $0.open.count } }

        /// Marks a request begun or done; returns whether the connection should close after it.
        func busy(_ channel: any Channel, _ busy: Bool) -> Bool {
            state.withLock { s in
                s.open[ObjectIdentifier(channel)]?.busy = busy
                return s.closing
            }
        }

        var closing: Bool { state.withLock { $0.closing } }

        /// Starts shutdown: closes every idle connection.
        func closeIdle() {
            let idle = state.withLock { s -> [any Channel] in
                s.closing = true
                return s.open.values.filter { !$0.busy }.map(\.channel)
            }
            for c in idle { c.close(promise: nil) }
        }
    }
}

/// Counts a failed accept (out of file descriptors, out of memory) and passes it on to NIO's
/// backoff: the listener pauses and retries, the connection waits in the backlog, and nothing ends.
final class AcceptFailures: ChannelInboundHandler, Sendable {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    let logger: Logger
    let onRefused: @Sendable (String) -> Void
    /// Failed accepts so far: they come in thousands a second while descriptors are gone, so the
    /// log gets the first and every thousandth; the counter gets each.
    private let failures = Atomic<Int>(0)

    init(logger: Logger, onRefused: @escaping @Sendable (String) -> Void) {
        self.logger = logger
        self.onRefused = onRefused
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is IOError {
            onRefused("accept_failed")
            let n = failures.add(1, ordering: .relaxed).newValue
            if n == 1 || n % 1000 == 0 {
                logger.warning("accept failed; retrying", metadata: ["error": "\(error)", "failures": "\(n)"])
            }
        }
        context.fireErrorCaught(error)
    }
}
