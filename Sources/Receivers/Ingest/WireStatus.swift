import NIOHTTP1
import OTLP

/// How a refused request is answered on each transport, and the reason it is counted under: the one
/// table both receivers (and the gRPC framing guard) read. The OTLP specification pairs them: 503 with
/// UNAVAILABLE (retry), 400 with INVALID_ARGUMENT (do not), and a body too large is 413 over HTTP and
/// RESOURCE_EXHAUSTED over gRPC.
struct WireStatus: Sendable, Equatable {
    let http: HTTPResponseStatus
    /// The gRPC status code.
    let grpc: UInt8
    /// The `genai_collector_receiver_refused_*{reason}` label.
    let reason: String

    static let overMemoryLimit = WireStatus(http: .serviceUnavailable, grpc: 14, reason: "memory_limit")
    static let tooLarge = WireStatus(http: .payloadTooLarge, grpc: 8, reason: "too_large")
    static let invalid = WireStatus(http: .badRequest, grpc: 3, reason: "invalid")
    /// gRPC only: a method or framing the server does not serve.
    static let unimplemented = WireStatus(http: .notFound, grpc: 12, reason: "invalid")

    static let all = [overMemoryLimit, tooLarge, invalid, unimplemented]

    /// The row of a gRPC code (an error the framing guard chose), else `invalid`.
    init(grpc code: UInt8) {
        self = Self.all.first { $0.grpc == code } ?? .invalid
    }

    private init(http: HTTPResponseStatus, grpc: UInt8, reason: String) {
        self.http = http
        self.grpc = grpc
        self.reason = reason
    }

    /// The `google.rpc.Status` code an OTLP/HTTP error body carries: retryable or not.
    var otlpCode: OTLPResponse.Code { http == .serviceUnavailable ? .unavailable : .invalidArgument }
}
