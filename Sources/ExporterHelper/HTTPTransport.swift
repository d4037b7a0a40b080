import AsyncHTTPClient
import CollectorCore
import CollectorQueue
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import OTLP
import Foundation

/// One HTTP exchange for the exporters that speak HTTP (ClickHouse, S3, Langfuse, OTLP/HTTP):
/// a network failure or a timeout is retryable; the status is the caller's to judge.
public struct HTTPTransport: Sendable {
    public struct Response: Sendable {
        public var status: UInt
        public var headers: HTTPHeaders
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    let client: HTTPClient
    let ownsClient: Bool

    /// A failed connection fails the attempt: the sending queue's backoff retries it, counts the retry
    /// and logs the cause ("connection refused"), instead of the client reconnecting silently until
    /// the attempt's timeout.
    static func configuration(tls: TLSConfiguration? = nil) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = .automatic
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// Shared by every exporter without TLS settings of its own; lives as long as the process.
    static let shared = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration())

    /// Process-wide as `shared`, but keeping up to 256 connections to a host (`shared` keeps 8): for
    /// callers that bound their own concurrency above that, as an LLM judge does.
    static let wide: HTTPClient = {
        var c = configuration()
        c.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: c)
    }()

    /// The process-wide client that keeps many connections to one host.
    public static var wideShared: HTTPTransport { HTTPTransport(client: wide) }

    private init(client: HTTPClient) {
        self.client = client
        ownsClient = false
    }

    /// The process-wide client, or one of its own when `tls` names files or relaxes checks.
    public init(tls: TLSClientConfig?) throws(ExportFailure) {
        guard let tls, !tls.isDefault else {
            client = Self.shared
            ownsClient = false
            return
        }
        var c = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = tls.caFile { c.trustRoots = .file(ca) }
            if let cert = tls.certFile, let key = tls.keyFile {
                c.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                c.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
        } catch {
            throw .permanent("cannot load the TLS files: \(error)", cause: error)
        }
        if tls.insecureSkipVerify { c.certificateVerification = .none }
        client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: Self.configuration(tls: c))
        ownsClient = true
    }

    /// Sends and reads the answer (up to `maxResponseBytes`).
    public func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)], body: [UInt8]?,
        timeout: Duration, maxResponseBytes: Int = 1 << 20
    ) async throws(ExportFailure) -> Response {
        do {
            let response = try await client.execute(Self.request(method, url, headers, body), timeout: .nanoseconds(timeout.nanoseconds))
            let buffer = try await response.body.collect(upTo: maxResponseBytes)
            return Response(status: response.status.code, headers: response.headers, body: Array(buffer.readableBytesView))
        } catch {
            throw .retryable("\(method) \(Self.redacted(url)) failed: \(error)", cause: error)
        }
    }

    /// Sends, and gives the answer's head at once and its body as it arrives (a proxy passing it
    /// on). `timeout` bounds the whole exchange, the body's reading included.
    public func stream(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)], body: [UInt8]?, timeout: Duration
    ) async throws(ExportFailure) -> (status: Int, headers: [(String, String)], body: AsyncThrowingStream<[UInt8], any Error>) {
        do {
            let response = try await client.execute(Self.request(method, url, headers, body), timeout: .nanoseconds(timeout.nanoseconds))
            let reader = BodyReader(response.body.makeAsyncIterator())
            let chunks = AsyncThrowingStream<[UInt8], any Error>(unfolding: { try await reader.next() })
            return (Int(response.status.code), response.headers.map { ($0.name, $0.value) }, chunks)
        } catch {
            throw .retryable("\(method) \(Self.redacted(url)) failed: \(error)", cause: error)
        }
    }

    /// Whether a failure of `send` or `stream` was the timeout running out (not a refused or reset
    /// connection).
    public static func timedOut(_ failure: ExportFailure) -> Bool { (failure.cause as? HTTPClientError) == .deadlineExceeded }

    static func request(_ method: HTTPMethod, _ url: String, _ headers: [(String, String)], _ body: [UInt8]?) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        return request
    }

    /// A response body read part by part by its one consumer (the stream's `unfolding` runs in the
    /// task that iterates it), hence unchecked.
    final class BodyReader: @unchecked Sendable {
        private var iterator: HTTPClientResponse.Body.AsyncIterator

        init(_ iterator: HTTPClientResponse.Body.AsyncIterator) { self.iterator = iterator }

        func next() async throws -> [UInt8]? { try await iterator.next().map { Array($0.readableBytesView) } }
    }

    /// POSTs `body`, compressed as `compression` says (with its `Content-Encoding`).
    public func post(
        _ url: String, headers: [(String, String)], body: [UInt8], compression: BodyCompression,
        timeout: Duration
    ) async throws(ExportFailure) -> Response {
        var headers = headers
        var payload = body
        if let encoding = compression.contentEncoding, !body.isEmpty {
            payload = try await offLoop("the compression") { () throws(ExportFailure) in try compression.compress(body) }
            headers.append(("Content-Encoding", encoding))
        }
        return try await send(.POST, url, headers: headers, body: payload, timeout: timeout)
    }

    public func shutdown() async {
        if ownsClient { try? await client.shutdown() }
    }

    /// The URL without its query (which may carry signatures or ids not worth logging).
    static func redacted(_ url: String) -> String { String(url.prefix { $0 != "?" }) }
}

extension HTTPTransport.Response {
    /// `Retry-After` in seconds (the HTTP-date form is read as "soon").
    public var retryAfter: Duration? {
        guard let v = headers.first(name: "Retry-After") else { return nil }
        if let s = Int(v.trimmingCharacters(in: .whitespaces)), s >= 0 { return .seconds(min(s, 3600)) }
        return .seconds(1)
    }
}
