import CollectorCore
@testable import ExporterHelper
import Foundation
import TestSupport
import Testing

/// Hand-made gRPC requests (`grpc_frames.py`, raw HTTP/2 frames through the h2 library) against the
/// collector process: every malformed framing is an error with a status that says why, never OK, and
/// only the valid requests are ingested, exactly.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct GRPCFramingTests {
    struct Answer: Decodable {
        let `case`: String
        let grpc_status: Int?
        let message: String?
        let rst: Int?
        let http_status: String?
    }

    @Test func malformedFramingIsAnErrorAndOnlyValidRequestsAreIngested() async throws {
        let dir = NSTemporaryDirectory() + "genai-frames-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = """
            receivers: {otlp: {protocols: {grpc: {endpoint: "127.0.0.1:0", max_recv_msg_size_mib: 1}}}}
            processors: {batch: {timeout: 100ms}}
            exporters: {file/out: {directory: "\(dir)"}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [batch], exporters: [file/out]}}
            """
        let collector = try await CollectorProcess(yaml: yaml, servers: ["otlp/grpc", "metrics"])
        defer { collector.stop() }
        let (grpc, metrics) = (collector.port("otlp/grpc"), collector.port("metrics"))
        let fixture = Scripts.here.deletingLastPathComponent().appendingPathComponent("Fixtures/openinference_openai_3chats.otlp.pb").path
        let (status, out) = try await offPool { try Scripts.python("grpc_frames.py", ["127.0.0.1:\(grpc)", fixture, String(1 << 20)]) }
        #expect(status == 0, "\(out)")
        var answers: [String: Answer] = [:]
        for line in out.split(separator: "\n") where line.hasPrefix("{") {
            let a = try JSONDecoder().decode(Answer.self, from: Data(line.utf8))
            answers[a.case] = a
        }
        let expected: [String: (Int, String)] = [
            "valid": (0, ""),
            "gzip_two_members": (0, ""),
            "long_prefix": (3, "its length prefix says"),
            "two_messages": (3, "exactly one message"),
            "partial_prefix": (3, "3 bytes of a 5-byte length prefix"),
            "message_then_partial_prefix": (3, "2 bytes of a 5-byte length prefix"),
            "empty_body": (3, "no message"),
            "flag_2": (3, "compressed flag must be 0 or 1"),
            "compressed_without_encoding": (3, "without grpc-encoding"),
            "unknown_encoding": (12, "grpc-encoding must be"),
            "gzip_trailing_garbage": (3, "after the end of the compressed data"),
            "gzip_over_limit": (8, "larger than 1048576 bytes"),
            "over_limit": (8, "over the 1048576-byte limit"),
        ]
        for (name, (code, text)) in expected {
            let a = try #require(answers[name], "no answer for \(name)")
            #expect(a.rst == nil, "\(name) was reset instead of answered")
            #expect(a.grpc_status == code, "\(name): \(String(describing: a.grpc_status)) \(a.message ?? "")")
            #expect(a.message?.contains(text) ?? text.isEmpty, "\(name): \(a.message ?? "")")
        }
        // Not gRPC at all: refused by the transport before any handler runs (HTTP 415), still counted.
        #expect(answers["text_plain"]?.http_status == "415" && answers["text_plain"]?.grpc_status != 0)
        // Exactly the two valid requests' spans were taken; every refusal was counted with its reason.
        let series = "receiver=\"otlp\",transport=\"grpc\""
        #expect(try await CollectorProcess.requireMetric(metrics, "otelcol_receiver_accepted_spans_total{\(series)}") == 6)
        #expect(try await CollectorProcess.requireMetric(metrics, "genai_collector_receiver_refused_requests_total{reason=\"invalid\",\(series)}") == 9)
        #expect(try await CollectorProcess.requireMetric(metrics, "genai_collector_receiver_refused_requests_total{reason=\"too_large\",\(series)}") == 2)
        #expect(
            try await CollectorProcess.requireMetric(metrics, "genai_collector_receiver_refused_requests_total{reason=\"unsupported_media_type\",\(series)}")
                == 1)
        collector.stop()
        // And exactly those six spans reached the exporter.
        let lines = try CollectorHarness.lines(dir).filter { $0["type"]?.stringValue == "generation-create" }
        #expect(lines.count == 6)
    }
}
