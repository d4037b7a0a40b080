import CollectorCore
import Foundation
import Logging
import NIOHTTP1
import OTLP
import TestSupport
import Receivers
import Synchronization
import Testing
import SwiftProtobuf

/// Records what reached it; refuses when told to (after decoding, or already at the precheck).
final class StubConsumer: TraceConsumer {
    let spans = Mutex(0)
    let refuse: Bool
    let refuseAtPrecheck: Bool

    init(refuse: Bool = false, refuseAtPrecheck: Bool = false) {
        self.refuse = refuse
        self.refuseAtPrecheck = refuseAtPrecheck
    }

    func precheck(bodyBytes: Int) -> ConsumeOutcome? {
        refuseAtPrecheck ? .refused(reason: "full", retryAfter: .seconds(3)) : nil
    }

    func consume(_ batch: TraceBatch, bodyBytes: Int, reserved: Int) async -> ConsumeOutcome {
        if refuse { return .refused(reason: "full", retryAfter: .seconds(2)) }
        spans.withLock { $0 += batch.spans.count }
        return .accepted
    }
}

@Suite(.timeLimit(.minutes(5)))
struct OTLPHTTPReceiverTests {
    static func config(_ yaml: String = "") throws -> OTLPReceiver.Config.HTTP {
        var m = try ConfigMap(
            .mapping([
                ConfigEntry(
                    "protocols",
                    .mapping([
                        ConfigEntry(
                            "http",
                            yaml.isEmpty
                                ? .null
                                : .mapping([
                                    ConfigEntry("max_request_body_size", .scalar(yaml, quoted: false))
                                ]))
                    ]))
            ]), path: "receivers.otlp")
        return try OTLPReceiver.Config(&m).http!
    }

    func receiver(_ consumer: StubConsumer, config: OTLPReceiver.Config.HTTP? = nil) throws -> OTLPHTTPReceiver {
        OTLPHTTPReceiver(id: "otlp", config: try config ?? Self.config(), consumer: consumer, counters: Counters(), logger: Logger(label: "test"))
    }

    func request(
        _ body: [UInt8]?, path: String = "/v1/traces", method: HTTPMethod = .POST,
        headers: [(String, String)] = [("Content-Type", "application/x-protobuf")]
    ) -> HTTPRequest {
        HTTPRequest(method: method, path: path, headers: HTTPHeaders(headers), body: body ?? [])
    }

    let capture = try! FixtureFiles.bytes("openinference_openai_3chats.otlp.pb")

    @Test func acceptsProtobufOnBothPaths() async throws {
        let consumer = StubConsumer()
        let r = try receiver(consumer)
        let a = await r.handle(request(capture))
        #expect(a.status == .ok && a.body.isEmpty)
        let b = await r.handle(request(capture, path: "/api/public/otel/v1/traces"))
        #expect(b.status == .ok)
        #expect(consumer.spans.withLock { $0 } == 6)
    }

    @Test func jsonWithGzipAnswersInJSON() async throws {
        let json = try FixtureFiles.bytes("langfuse_sdk_observe_generation.otlp.json")
        let gz = try FixtureFiles.bytes("langfuse_sdk_observe_generation.otlp.pb.gz")
        let consumer = StubConsumer()
        let r = try receiver(consumer)
        let a = await r.handle(request(json, headers: [("Content-Type", "application/json; charset=utf-8")]))
        #expect(a.status == .ok && a.body == Array("{}".utf8))
        #expect(a.headers.contains { $0 == ("Content-Type", "application/json") })
        let b = await r.handle(request(gz, headers: [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "gzip")]))
        #expect(b.status == .ok)
        #expect(consumer.spans.withLock { $0 } == 6)
    }

    /// HTTP's `deflate` (a zlib stream) is read like gzip; a body that is not one is a 400.
    @Test func deflateBodiesAreAccepted() async throws {
        let consumer = StubConsumer()
        let r = try receiver(consumer)
        let zlib = try await PythonTool.zlibCompress(capture)
        let ok = await r.handle(request(zlib, headers: [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "deflate")]))
        #expect(ok.status == .ok)
        #expect(consumer.spans.withLock { $0 } == 3)
        let bad = await r.handle(request(capture, headers: [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "deflate")]))
        #expect(bad.status == .badRequest)
        #expect(consumer.spans.withLock { $0 } == 3)
    }

    /// `traces_url_path` moves the OTLP path; the Langfuse SDKs' path stays; the default path is then a 404.
    @Test func tracesURLPathIsServed() async throws {
        var m = try ConfigMap(
            .mapping([
                ConfigEntry(
                    "protocols",
                    .mapping([
                        ConfigEntry(
                            "http",
                            .mapping([
                                ConfigEntry("traces_url_path", .scalar("/ingest/otlp", quoted: false))
                            ]))
                    ]))
            ]), path: "receivers.otlp")
        let config = try OTLPReceiver.Config(&m).http!
        let consumer = StubConsumer()
        let r = try receiver(consumer, config: config)
        #expect(await r.handle(request(capture, path: "/ingest/otlp")).status == .ok)
        #expect(await r.handle(request(capture, path: "/api/public/otel/v1/traces")).status == .ok)
        #expect(await r.handle(request(capture, path: "/v1/traces")).status == .notFound)
        #expect(consumer.spans.withLock { $0 } == 6)
    }

    @Test func clientErrors() async throws {
        let r = try receiver(StubConsumer())
        #expect(await r.handle(request(capture, path: "/v1/logs")).status == .notFound)
        let get = await r.handle(request(nil, method: .GET))
        #expect(get.status == .methodNotAllowed && get.headers.contains { $0 == ("Allow", "POST") })
        #expect(await r.handle(request(capture, headers: [("Content-Type", "text/plain")])).status == .unsupportedMediaType)
        #expect(
            await r.handle(request(capture, headers: [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "br")])).status == .unsupportedMediaType)
        let bad = await r.handle(request(Array("not protobuf".utf8)))
        #expect(bad.status == .badRequest)
        #expect(String(decoding: bad.body, as: UTF8.self).contains("invalid OTLP trace request"))
        let badJSON = await r.handle(request(Array("{\"resourceSpans\": 7}".utf8), headers: [("Content-Type", "application/json")]))
        #expect(badJSON.status == .badRequest && String(decoding: badJSON.body, as: UTF8.self).contains("\"code\":3"))
    }

    @Test func gzipBombIsRefusedWith413() async throws {
        // 50 MiB of zeros compress to ~50 KiB; the cap is on the decompressed size.
        let bomb = try Gzip.compress([UInt8](repeating: 0, count: 50 << 20))
        #expect(bomb.count < 200_000)
        let r = try receiver(StubConsumer(), config: try Self.config(String(1 << 20)))
        let response = await r.handle(request(bomb, headers: [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "gzip")]))
        #expect(response.status == .payloadTooLarge)
    }

    /// `cat a.gz b.gz` is valid gzip: both members are ingested. Bytes that are not another member
    /// are a 400, not silently dropped.
    @Test func multiMemberGzipIsIngestedWholeAndTrailingGarbageRefused() async throws {
        let consumer = StubConsumer()
        let r = try receiver(consumer)
        let half = capture.count / 2
        let twoMembers = try Gzip.compress(Array(capture.prefix(half))) + Gzip.compress(Array(capture.dropFirst(half)))
        let gzip = [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "gzip")]
        #expect(await r.handle(request(twoMembers, headers: gzip)).status == .ok)
        #expect(consumer.spans.withLock { $0 } == 3)
        for trailer in [[UInt8](repeating: 0, count: 8), Array("junk".utf8)] {
            let response = await r.handle(request(try Gzip.compress(capture) + trailer, headers: gzip))
            #expect(response.status == .badRequest)
            #expect(String(decoding: response.body, as: UTF8.self).contains("after the end of the compressed data"))
        }
        let deflate = [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "deflate")]
        #expect(await r.handle(request([0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 0xFF], headers: deflate)).status == .badRequest)
        #expect(consumer.spans.withLock { $0 } == 3)
    }

    /// A tiny body that would decode to more tables than the budget allows is a 413.
    @Test func aBodyThatDecodesTooLargeIs413() async throws {
        var spans = [UInt8]()
        for _ in 0..<500_000 { spans += [0x12, 0x00] }
        func varint(_ v: Int) -> [UInt8] {
            var v = v, out: [UInt8] = []
            while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            return out + [UInt8(v)]
        }
        let rs = [0x12] + varint(spans.count) + spans
        let body = try Gzip.compress([0x0A] + varint(rs.count) + rs, level: 9)
        let r = try receiver(StubConsumer(), config: try Self.config(String(1 << 20)))
        let response = await r.handle(request(body, headers: [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "gzip")]))
        #expect(response.status == .payloadTooLarge)
        #expect(String(decoding: response.body, as: UTF8.self).contains("decodes to more than"))
    }

    @Test func pushbackIs503WithRetryAfter() async throws {
        let r = try receiver(StubConsumer(refuse: true))
        let response = await r.handle(request(capture))
        #expect(response.status == .serviceUnavailable)
        #expect(response.headers.contains { $0 == ("Retry-After", "2") })
    }

    /// A full pipeline refuses before decoding: even a body that would not decode gets the 503, and
    /// the refusal is counted per request.
    @Test func pushbackBeforeDecodingIsCountedPerRequest() async throws {
        let counters = Counters()
        let r = OTLPHTTPReceiver(
            id: "otlp", config: try Self.config(), consumer: StubConsumer(refuseAtPrecheck: true), counters: counters,
            logger: Logger(label: "test"))
        for body in [capture, [0xFF, 0xFF, 0xFF]] {
            let response = await r.handle(request(body))
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers.contains { $0 == ("Retry-After", "3") })
        }
        #expect(counters.value(.receiverRefusedRequests, ["receiver": "otlp", "transport": "http", "reason": "memory_limit"]) == 2)
    }

    @Test func authentication() async throws {
        var m = try ConfigMap(
            .mapping([
                ConfigEntry(
                    "protocols",
                    .mapping([
                        ConfigEntry(
                            "http",
                            .mapping([
                                ConfigEntry(
                                    "auth",
                                    .mapping([
                                        ConfigEntry("bearer_tokens", .sequence([.scalar("t0ken", quoted: false)])),
                                        ConfigEntry(
                                            "basic",
                                            .sequence([
                                                .mapping([
                                                    ConfigEntry("username", .scalar("pk-lf-test", quoted: false)),
                                                    ConfigEntry("password", .scalar("sk-lf-test", quoted: false)),
                                                ])
                                            ])),
                                    ]))
                            ]))
                    ]))
            ]), path: "receivers.otlp")
        let r = try receiver(StubConsumer(), config: try OTLPReceiver.Config(&m).http!)
        let none = await r.handle(request(capture))
        #expect(none.status == .unauthorized && none.headers.contains { $0.0 == "WWW-Authenticate" })
        #expect(
            await r.handle(request(capture, headers: [("Content-Type", "application/x-protobuf"), ("Authorization", "Bearer wrong")])).status == .unauthorized)
        #expect(await r.handle(request(capture, headers: [("Content-Type", "application/x-protobuf"), ("Authorization", "Bearer t0ken")])).status == .ok)
        // The Langfuse SDK's own header (from the capture's request.json).
        #expect(
            await r.handle(request(capture, headers: [("Content-Type", "application/x-protobuf"), ("authorization", "Basic cGstbGYtdGVzdDpzay1sZi10ZXN0")]))
                .status == .ok)
    }
}

@Suite(.timeLimit(.minutes(5)))
struct ZstdTests {
    /// Compresses with the `zstd` command-line tool (a real, independent encoder), waiting off the
    /// tests' cooperative pool.
    func zstd(_ input: [UInt8]) async throws -> [UInt8] {
        try await withChildProcess { try Self.zstdBlocking(input) }
    }

    static func zstdBlocking(_ input: [UInt8]) throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zstd-\(UUID().uuidString)")
        try Data(input).write(to: dir)
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(atPath: dir.path + ".zst") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["zstd", "-q", "-f", dir.path]
        try p.run()
        p.waitForExit()
        return Array(try Data(contentsOf: URL(fileURLWithPath: dir.path + ".zst")))
    }

    @Test func zstdBodiesAreAccepted() async throws {
        let capture = try FixtureFiles.bytes("openinference_openai_3chats.otlp.pb")
        let compressed = try await zstd(capture)
        #expect(Zstd.isZstd(compressed))
        #expect(try Zstd.decompress(compressed, limit: 1 << 20) == capture)
        let consumer = StubConsumer()
        let r = OTLPHTTPReceiver(id: "otlp", config: try OTLPHTTPReceiverTests.config(), consumer: consumer, counters: Counters(), logger: Logger(label: "t"))
        let response = await r.handle(
            HTTPRequest(
                method: .POST, path: "/v1/traces",
                headers: HTTPHeaders([("Content-Type", "application/x-protobuf"), ("Content-Encoding", "zstd")]), body: compressed))
        #expect(response.status == .ok)
        #expect(consumer.spans.withLock { $0 } == 3)
    }

    @Test func zstdFramesAreAllReadAndTrailingGarbageRefused() async throws {
        let capture = try FixtureFiles.bytes("openinference_openai_3chats.otlp.pb")
        let half = capture.count / 2
        let two = try await zstd(Array(capture.prefix(half))) + zstd(Array(capture.dropFirst(half)))
        #expect(try Zstd.decompress(two, limit: 1 << 20) == capture)
        let junk = try await zstd(capture) + Array("junk".utf8)
        #expect(throws: OTLPDecodingError.self) { try Zstd.decompress(junk, limit: 1 << 20) }
    }

    @Test func zstdBombAndCorruption() async throws {
        let bomb = try await zstd([UInt8](repeating: 7, count: 8 << 20))
        #expect(throws: OTLPDecodingError(.tooLarge(limit: 1 << 20), field: "")) { try Zstd.decompress(bomb, limit: 1 << 20) }
        #expect(throws: OTLPDecodingError.self) { try Zstd.decompress(Array(bomb.prefix(bomb.count / 2)), limit: 16 << 20) }
        var corrupt = bomb
        corrupt[6] ^= 0xFF
        #expect(throws: OTLPDecodingError.self) { try Zstd.decompress(corrupt, limit: 16 << 20) }
    }
}

@Suite(.timeLimit(.minutes(5)))
struct PartialSuccessTests {
    @Test func spansWithoutIDsAreRefusedAndReported() async throws {
        let json = #"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[
              {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"ok"},
              {"traceId":"","spanId":"b7ad6b7169203332","name":"no trace id"},
              {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"0000000000000000","name":"zero span id"}]}]}]}
            """#
        let consumer = StubConsumer()
        let r = OTLPHTTPReceiver(id: "otlp", config: try OTLPHTTPReceiverTests.config(), consumer: consumer, counters: Counters(), logger: Logger(label: "t"))
        let response = await r.handle(
            HTTPRequest(
                method: .POST, path: "/v1/traces",
                headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(json.utf8)))
        #expect(response.status == .ok)
        let body = try JSONParser().parse(response.body)
        #expect(body["partialSuccess"]?["rejectedSpans"] == .string("2"))
        #expect(body["partialSuccess"]?["errorMessage"]?.stringValue?.contains("all-zero trace id or span id") == true)
        #expect(consumer.spans.withLock { $0 } == 1)
        // Protobuf: ExportTraceServiceResponse{partial_success{rejected_spans: 2, ...}}.
        let pb = OTLPResponse.success(.protobuf, rejected: 2, errorMessage: "x")
        #expect(pb == [0x0A, 0x05, 0x08, 0x02, 0x12, 0x01, 0x78])
    }

    @Test func removeSpansKeepsScopesContiguous() throws {
        var b = try OTLPProtobufDecoder().decode(try SampleRequests.random(seed: 3).serializedBytes())
        let before = b.spans.count
        var drop = false
        let removed = b.removeSpans { _ in
            drop.toggle(); return drop
        }
        #expect(removed == (before + 1) / 2 && b.spans.count == before - removed)
        #expect(b.scopes.reduce(0) { $0 + Int($1.spans.count) } == b.spans.count)
        #expect(b.scopes.allSatisfy { $0.spans.range.upperBound <= b.spans.count })
    }
}
