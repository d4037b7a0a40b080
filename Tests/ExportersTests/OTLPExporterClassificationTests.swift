@testable import Exporters
import GRPCCore
import TestSupport
@testable import ExporterHelper
import Testing
import NIOHTTP1

/// How the OTLP exporters classify a peer's refusal, as the OTLP specification lists them: over HTTP
/// 429, 502, 503 and 504 are retried (with the peer's Retry-After), every other failure status is
/// permanent; over gRPC the retryable codes are the specification's list.
@Suite(.timeLimit(.minutes(5)))
struct OTLPExporterClassificationTests {
    @Test func httpStatuses() {
        for status in UInt(400)...599 {
            let failure = OTLPHTTPExporter.classify(status: status, body: "x", retryAfter: .seconds(3))
            if [429, 502, 503, 504].contains(status) {
                #expect(failure == .retryable("OTLP/HTTP \(status): x", retryAfter: .seconds(3)), "\(status)")
            } else {
                #expect(failure.isPermanent, "\(status) should be permanent: \(failure)")
            }
        }
    }

    @Test func grpcCodes() {
        let retryable: Set<RPCError.Code> = [.cancelled, .deadlineExceeded, .aborted, .outOfRange, .unavailable, .dataLoss, .resourceExhausted]
        let all: [RPCError.Code] = [
            .cancelled, .unknown, .invalidArgument, .deadlineExceeded, .notFound, .alreadyExists, .permissionDenied,
            .resourceExhausted, .failedPrecondition, .aborted, .outOfRange, .unimplemented, .internalError,
            .unavailable, .dataLoss, .unauthenticated,
        ]
        for code in all {
            let failure = OTLPGRPCExporter.classify(RPCError(code: code, message: "m"))
            #expect(failure.isPermanent != retryable.contains(code), "\(code): \(failure)")
        }
    }
}

/// A peer that refuses connections fails each attempt at once, as retryable and with the cause, so
/// the sending queue's backoff and retry counter see it (rather than the client reconnecting
/// silently until the attempt's timeout).
@Suite(.timeLimit(.minutes(5)))
struct HTTPTransportTests {
    @Test func aRefusedConnectionFailsTheAttemptAtOnce() async throws {
        let down = try ReservedPort()
        let started = ContinuousClock.now
        do throws(ExportFailure) {
            _ = try await HTTPTransport(tls: nil).send(.GET, "http://127.0.0.1:\(down.port)/", headers: [], body: nil, timeout: .seconds(120))
            Issue.record("a refused connection answered")
        } catch {
            #expect(!error.isPermanent && "\(error)".lowercased().contains("refused"), "\(error)")
        }
        // Far below the 120 s timeout even on a loaded machine; reconnecting inside the attempt would reach it.
        #expect(ContinuousClock.now - started < .seconds(60), "the attempt waited for its timeout")
    }
}
