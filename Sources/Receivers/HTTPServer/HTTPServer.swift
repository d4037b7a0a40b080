import CollectorCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// One HTTP request as the handlers see it; `body` is nil when it exceeded the size cap.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var path: String
    public var headers: HTTPHeaders
    public var body: [UInt8]?

    public init(method: HTTPMethod, path: String, headers: HTTPHeaders, body: [UInt8]?) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }
}

public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(_ status: HTTPResponseStatus, contentType: String = "text/plain; charset=utf-8", body: [UInt8] = [],
                headers: [(String, String)] = []) {
        self.status = status
        self.headers = [("Content-Type", contentType)] + headers
        self.body = body
    }

    public static func text(_ status: HTTPResponseStatus, _ text: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status, body: Array((text + "\n").utf8), headers: headers)
    }
}

/// A minimal HTTP/1.1 server on SwiftNIO's async channels: one task per connection, request bodies
/// read up to `maxBodyBytes` (the rest is drained and discarded, not stored), keep-alive honoured.
/// On graceful shutdown it stops accepting, closes idle keep-alive connections at once (a client's
/// pool would otherwise hold shutdown open), and answers in-flight requests with `Connection: close`.
public final class HTTPServer: Service, Sendable {
    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse

    public let name: String
    let endpoint: Endpoint
    let tls: TLSConfig?
    let maxBodyBytes: Int
    let handler: Handler
    let logger: Logger
    /// Called with the bound port once listening (tests bind port 0).
    let onBound: @Sendable (Int) -> Void
    private let connections = Connections()

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

    public init(name: String, endpoint: Endpoint, tls: TLSConfig? = nil, maxBodyBytes: Int, logger: Logger,
                onBound: @escaping @Sendable (Int) -> Void = { _ in }, handler: @escaping Handler) {
        self.name = name
        self.endpoint = endpoint
        self.tls = tls
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
        self.onBound = onBound
        self.handler = handler
    }

    public func run() async throws {
        // Certificate and key are read once, before binding: a bad file stops start-up.
        let sslContext = try tls.map { tls in
            try NIOSSLContext(configuration: .makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certFile).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.keyFile, format: .pem))))
        }
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            // OTLP bodies run to megabytes: reads may grow to 1 MiB, so a body arrives in a few
            // parts rather than hundreds (the allocator shrinks again for small requests).
            .childChannelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 16 << 10, maximum: 1 << 20))
            .bind(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
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

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        let channel = connection.channel
        guard connections.add(channel) else {
            channel.close(promise: nil)
            return
        }
        defer { connections.remove(channel) }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                var body: [UInt8] = []  // read straight into the array the decoder keeps (one copy)
                var tooLarge = false
                for try await part in inbound {
                    switch part {
                    case .head(let h):
                        _ = connections.busy(channel, true)
                        head = h
                        body = []
                        tooLarge = false
                        if let length = h.headers.first(name: "content-length").flatMap(Int.init) {
                            if length > maxBodyBytes { tooLarge = true } else { body.reserveCapacity(length) }
                        }
                    case .body(let chunk):
                        if tooLarge { continue }
                        if body.count + chunk.readableBytes > maxBodyBytes {
                            tooLarge = true
                            body = []
                        } else {
                            body.append(contentsOf: chunk.readableBytesView)
                        }
                    case .end:
                        guard let h = head else { continue }
                        let path = String(h.uri.split(separator: "?", maxSplits: 1).first ?? "")
                        let request = HTTPRequest(method: h.method, path: path, headers: h.headers,
                                                  body: tooLarge ? nil : body)
                        let response = await handler(request)
                        var headers = HTTPHeaders(response.headers)
                        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
                        let keepAlive = h.isKeepAlive && !tooLarge && !connections.closing
                        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
                        // One write of the three parts: one hand-over to the event loop, one flush.
                        try await outbound.write(contentsOf: [
                            .head(HTTPResponseHead(version: h.version, status: response.status, headers: headers)),
                            .body(.byteBuffer(ByteBuffer(bytes: response.body))),
                            .end(nil),
                        ])
                        head = nil
                        // Shutdown may have begun during the write; it skipped this busy connection.
                        if connections.busy(channel, false) || !keepAlive { return }
                    }
                }
            }
        } catch {
            logger.debug("connection ended", metadata: ["server": "\(name)", "error": "\(error)"])
        }
    }
}
