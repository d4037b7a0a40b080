import CollectorCore
@testable import ExporterHelper
import ComponentModel
@testable import Exporters
import Foundation
import GenAIMapping
import Logging
import OTLP
import TestSupport
import Synchronization
import Testing
import NIOHTTP1
import SwiftProtobuf

/// The s3 exporter against moto's S3 server with SigV4 verification on (`scripts/s3_test_server.py`);
/// objects are read back and decoded with boto3 (`s3_read.py`).
@Suite(.serialized, .timeLimit(.minutes(5)))
struct S3ExporterTests {
    static func config(_ server: S3TestServer?, _ extra: [String: String] = [:], secret: String? = nil) throws -> S3Exporter.Config {
        var values: [String: String] = [
            "endpoint": server?.endpoint ?? "http://127.0.0.1:9",
            "bucket": server?.bucket ?? "genai-traces",
            "force_path_style": "true",
            "access_key_id": server?.accessKeyID ?? "AKIDEXAMPLE",
            "secret_access_key": secret ?? server?.secretAccessKey ?? "secret",
            "prefix": "raw/",
            "project_id": "proj-1",
            "max_object_age": "200ms",
            "timeout": "10s",
        ]
        values.merge(extra) { $1 }
        var map = try ConfigMap(.mapping(values.sorted { $0.key < $1.key }.map { ConfigEntry($0.key, .scalar($0.value, quoted: true)) }), path: "exporters.s3")
        let c = try S3Exporter.Config(&map)
        try map.finish()
        return c
    }

    struct Stored: Decodable {
        struct Object: Decodable {
            let key: String
            let size: Int
            let content_type: String?
            let content_encoding: String?
            let lines: [JSONAny]?
            let spans: Int?
        }
        let objects: [Object]
    }

    /// Any JSON (only the event `type` and `body.id` are looked at).
    struct JSONAny: Decodable {
        let type: String?
        let id: String?
    }

    static func readBack(_ server: S3TestServer) async throws -> Stored {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("s3_read.py").path
        let r = try await PythonTool.run([script, server.endpoint, server.accessKeyID, server.secretAccessKey, server.bucket])
        try #require(r.status == 0, "s3_read.py: \(r.stderr)")
        return try JSONDecoder().decode(Stored.self, from: Data(r.stdout))
    }

    static func item(shiftHours: UInt64 = 0) throws -> ExportItem {
        var parts = try ClickHouseRowTests.records()
        if shiftHours > 0 {
            for i in parts.indices {
                var batch = parts[i].batch
                for j in batch.spans.indices {
                    batch.spans[j].startTimeUnixNano += shiftHours * 3_600_000_000_000; batch.spans[j].endTimeUnixNano += shiftHours * 3_600_000_000_000
                }
                parts[i] = GenAITranslator().translate(batch)
            }
        }
        return ExportItem(parts: parts.map(\.batch), records: parts)
    }

    @Test func configIsCheckedAndDefaulted() throws {
        let c = try Self.config(nil)
        #expect(c.prefix == "raw" && c.format == .langfuse && c.compression == .gzip && c.partitionBySpanTime && c.sending.timeout == .seconds(10))
        #expect(c.fileExtension == "jsonl.gz" && c.maxObjectBytes == 64 << 20 && c.partSizeBytes == 8 << 20)
        #expect(throws: ConfigError.self) { try Self.config(nil, ["bucket": "Bad_Bucket"]) }
        #expect(throws: ConfigError.self) { try Self.config(nil, ["endpoint": "s3.example.com"]) }
        #expect(throws: ConfigError.self) { try Self.config(nil, ["part_size_bytes": "1024"]) }
        #expect(throws: ConfigError.self) { try Self.config(nil, ["format": "parquet"]) }
        #expect(throws: ConfigError.self) { try Self.config(nil, ["bucket_name": "x"]) }
        let zstd = try Self.config(nil, ["compression": "zstd", "compression_level": "19"])
        #expect(zstd.fileExtension == "jsonl.zst" && zstd.contentEncoding == "zstd" && zstd.compressionLevel == 19)
        #expect(throws: ConfigError.self) { try Self.config(nil, ["compression": "zstd", "compression_level": "20"]) }
        #expect(throws: ConfigError.self) { try Self.config(nil, ["compression_level": "10"]) }  // gzip stops at 9
        #expect(throws: ConfigError.self) { try Self.config(nil, ["compression": "brotli"]) }
        #expect(try Self.config(nil, ["compression": "none"]).contentEncoding == nil)
        let aws = try Self.config(nil, ["endpoint": "", "region": "eu-west-1", "force_path_style": "false"])
        let client = S3Client(config: aws, transport: try HTTPTransport(tls: nil))
        #expect(client.origin == "https://genai-traces.s3.eu-west-1.amazonaws.com" && client.basePath == "")
        let minio = S3Client(config: try Self.config(nil, ["endpoint": "http://minio:9000/"]), transport: try HTTPTransport(tls: nil))
        #expect(minio.origin == "http://minio:9000" && minio.basePath == "/genai-traces")
    }

    @Test func keysFollowTheDocumentedLayout() {
        let hour = S3ObjectKey.hour(unixNanos: 1_795_986_000_000_000_000 + 59 * 60_000_000_000)  // 2026-11-29T21:59Z
        let uuid = S3ObjectKey.uuid()
        #expect(
            S3ObjectKey.make(prefix: "raw/otel", projectID: "p1", hour: hour, uuid: uuid, fileExtension: "jsonl.gz")
                == "raw/otel/p1/year=2026/month=11/day=29/hour=21/\(uuid).jsonl.gz")
        #expect(S3ObjectKey.make(prefix: "", projectID: nil, hour: 0, uuid: "u", fileExtension: "binpb") == "year=1970/month=01/day=01/hour=00/u.binpb")
        #expect(uuid.count == 36 && Array(uuid)[14] == "4")
    }

    @Test func errorsAreClassified() {
        let denied = "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>"
        #expect(S3Client.classify(status: 403, body: denied) == .permanent("S3 403 SignatureDoesNotMatch: The request signature we calculated does not match"))
        #expect(S3Client.classify(status: 404, body: "<Error><Code>NoSuchBucket</Code></Error>").isPermanent)
        #expect(!S3Client.classify(status: 503, body: "<Error><Code>SlowDown</Code></Error>").isPermanent)
        #expect(!S3Client.classify(status: 400, body: "<Error><Code>RequestTimeout</Code></Error>").isPermanent)
        #expect(!S3Client.classify(status: 500, body: "").isPermanent)
    }

    /// Runs the exporter's timers and uploads for the body, as its sending queue would, then shuts
    /// it down and waits for them.
    static func running<T>(_ e: S3Exporter, _ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await e.run() }
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            await e.shutdown()
            try await group.waitForAll()
            return try result.get()
        }
    }

    @Test func objectsRollAndReadBack() async throws {
        let server = try await S3TestServer()
        defer { server.stop() }
        var c = try Self.config(server, ["max_object_age": "30s"])
        c.sending.numConsumers = 2
        let counters = Counters()
        let e = try S3Exporter(config: c, settings: .standalone("s3", .exporter, counters: counters))
        let first = try Self.item(), second = try Self.item(shiftHours: 1)
        // Two batches in flight (the queue's two senders): the second closes the objects without waiting for their age.
        try await Self.running(e) {
            async let a: Void = e.export(first)
            async let b: Void = e.export(second)
            let started = ContinuousClock.now
            _ = try await (a, b)
            #expect(ContinuousClock.now - started < .seconds(10))
            let stored = try await Self.readBack(server)
            let events = first.records!.reduce(0) { $0 + $1.traces.count + $1.observations.count + $1.scores.count } * 2
            #expect(stored.objects.reduce(0) { $0 + ($1.lines?.count ?? 0) } == events)
            // One object per hour of the records' own time (the second batch is an hour later).
            let now = S3ObjectKey.hour(unixNanos: S3Exporter.nowNanos())
            func hour(_ nanos: UInt64) -> Int64 { nanos > 0 ? S3ObjectKey.hour(unixNanos: nanos) : now }
            let hours = Set(
                (first.records! + second.records!).flatMap { r in
                    r.traces.map { hour($0.timestampUnixNano) } + r.observations.map { hour($0.startTimeUnixNano) }
                })
            let expectedSegments = Set(
                hours.map {
                    S3ObjectKey.make(prefix: "", projectID: nil, hour: $0, uuid: "u", fileExtension: "x").split(separator: "/").prefix(4).joined(separator: "/")
                })
            #expect(stored.objects.count == hours.count)
            #expect(counters.value(.exporterObjects, ["exporter": "s3"]) == stored.objects.count)
            #expect(counters.value(.exporterObjectBytes, ["exporter": "s3"]) == stored.objects.reduce(0) { $0 + $1.size })
            #expect(Set(stored.objects.map { $0.key.split(separator: "/")[2...5].joined(separator: "/") }) == expectedSegments)
            let pattern = #/^raw/proj-1/year=\d{4}/month=\d{2}/day=\d{2}/hour=\d{2}/[0-9a-f-]{36}\.jsonl\.gz$/#
            for o in stored.objects {
                #expect(o.key.wholeMatch(of: pattern) != nil, "\(o.key)")
                #expect(o.content_type == "application/x-ndjson" && o.content_encoding == "gzip")
                #expect(o.lines?.allSatisfy { $0.type?.hasSuffix("-create") == true } == true)
            }
        }
    }

    /// `compression: zstd`: an object of several zstd frames (one per MiB of content) that a real
    /// zstd reader (Python's zstandard) decodes whole, every event in it.
    @Test func zstdObjectsReadBackWhole() async throws {
        let server = try await S3TestServer()
        defer { server.stop() }
        var c = try Self.config(server, ["compression": "zstd", "max_object_age": "30s"])
        c.sending.numConsumers = 1  // the one batch in flight closes its objects at once
        let e = try S3Exporter(config: c, settings: .standalone("s3", .exporter, counters: Counters()))
        let one = try Self.item()
        // Enough copies for more than one frame (1 MiB of content each) in one object.
        let encoded = one.records!.reduce(0) { $0 + IngestionBatchEncoder().encodeLines([$1]).count }
        let copies = (3 << 20) / max(encoded, 1) + 1
        let big = ExportItem(
            parts: Array(repeating: one.parts, count: copies).flatMap { $0 },
            records: Array(repeating: one.records!, count: copies).flatMap { $0 })
        try await Self.running(e) { try await e.export(big) }
        let stored = try await Self.readBack(server)
        let events = one.records!.reduce(0) { $0 + $1.traces.count + $1.observations.count + $1.scores.count } * copies
        #expect(stored.objects.reduce(0) { $0 + ($1.lines?.count ?? 0) } == events)
        #expect(stored.objects.reduce(0) { $0 + $1.size } < encoded * copies / 4, "not compressed")
        for o in stored.objects {
            #expect(o.key.hasSuffix(".jsonl.zst") && o.content_encoding == "zstd", "\(o.key) \(o.content_encoding ?? "-")")
        }
    }

    /// `max_object_bytes`: an object closes once it holds that much (before compression), without
    /// waiting for its age. A batch's events of one hour are never split, so three batches in flight,
    /// each passing the 1 KiB limit, make three objects an hour; every event is in exactly one.
    @Test func objectsRollAtMaxObjectBytes() async throws {
        let server = try await S3TestServer()
        defer { server.stop() }
        var c = try Self.config(server, ["max_object_age": "60s", "max_object_bytes": "1024", "compression": "none"])
        c.sending.numConsumers = 4
        let e = try S3Exporter(config: c, settings: .standalone("s3", .exporter, counters: Counters()))
        let item = try Self.item()
        let started = ContinuousClock.now
        try await Self.running(e) {
            async let a: Void = e.export(item)
            async let b: Void = e.export(item)
            async let d: Void = e.export(item)
            _ = try await (a, b, d)
            #expect(ContinuousClock.now - started < .seconds(30), "closed by size, not by the 60 s age")
        }
        let stored = try await Self.readBack(server)
        let events = item.records!.reduce(0) { $0 + $1.traces.count + $1.observations.count + $1.scores.count }
        let hours = Set(stored.objects.map { $0.key.split(separator: "/")[2...5].joined(separator: "/") })
        #expect(stored.objects.count == 3 * hours.count, "\(stored.objects.count) objects over \(hours.count) hours")
        #expect(stored.objects.reduce(0) { $0 + ($1.lines?.count ?? 0) } == 3 * events)
        #expect(stored.objects.allSatisfy { $0.content_encoding == nil && $0.key.hasSuffix(".jsonl") })
    }

    /// A 503 from the store (injected by a front that forwards to moto, signatures intact) is retried
    /// through the queue until the objects are stored: the failures were served, the retries counted,
    /// nothing dropped, and every event is stored (at least once: an object of the failed attempt may
    /// already be stored when a later one fails).
    @Test func aServerErrorIsRetriedUntilStored() async throws {
        let server = try await S3TestServer()
        defer { server.stop() }
        let front = try await ScriptServer(
            script: "chdb_http_front.py", arguments: { _ in ["--upstream", server.endpoint, "--port", "0"] },
            what: "the fault-injecting front for moto")
        defer { front.stop() }
        let frontURL = "http://127.0.0.1:\(front.port)"
        var c = try Self.config(server, ["endpoint": frontURL, "max_object_age": "100ms"])
        c.sending.initialInterval = .milliseconds(50)
        c.sending.maxInterval = .milliseconds(200)
        let counters = Counters()
        let queue = ExporterQueue(
            exporter: try S3Exporter(config: c, settings: .standalone("s3", .exporter, counters: counters)), settings: c.sending,
            counters: counters, logger: Logger(label: "t"))
        let item = try Self.item()
        let fail = try await HTTPTransport(tls: nil).send(.POST, frontURL + "/fail?n=2&status=503", headers: [], body: [], timeout: .seconds(5))
        try #require(fail.status == 200)
        try await withQueue(queue) { () async throws in
            queue.offer(item)
            #expect(try await eventually { counters.value(.exporterSentSpans, ["exporter": "s3"]) == item.spanCount })
        }
        let served = try JSONParser().parse(try await HTTPTransport(tls: nil).send(.GET, frontURL + "/fail", headers: [], body: nil, timeout: .seconds(5)).text)
        #expect(served["served"]?.numberValue == 2 && served["pending"]?.numberValue == 0, "\(served)")
        #expect(counters.value(.exporterRetries, ["exporter": "s3"]) >= 1)
        #expect(counters.total(.droppedSpans) == 0)
        let stored = try await Self.readBack(server)
        let ids = Set(stored.objects.flatMap { $0.lines ?? [] }.compactMap(\.id))
        // Event ids are derived from the span ids, so a re-sent event has the id it had.
        let expected = Set(item.records!.flatMap { IngestionBatchEncoder().events($0).compactMap { $0["id"]?.stringValue } })
        #expect(!expected.isEmpty && ids == expected, "\(expected.subtracting(ids).count) events missing, \(ids.subtracting(expected).count) unknown")
    }

    /// `max_object_age` on a test clock: the batch waits in its open object until the clock has
    /// moved the whole age, then the object is uploaded and the export returns.
    @Test func anObjectClosesAtItsAge() async throws {
        let server = try await S3TestServer()
        defer { server.stop() }
        let clock = ManualClock()
        let settings = ComponentSettings(id: ComponentID(type: "s3"), kind: .exporter, logger: Logger(label: "t"), counters: Counters(), clock: clock)
        let e = try S3Exporter(
            config: try Self.config(
                server,
                [
                    "format": "otlp_json", "compression": "none", "partition_by": "upload_time",
                    "max_object_age": "1h",
                ]), settings: settings)
        let item = try Self.item()
        try await Self.running(e) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await e.export(item) }
                #expect(try await eventually { clock.sleeping == 1 }, "the object's age timer runs")
                // `advance` wakes due sleeps before it returns: a timer still sleeping is not due.
                clock.advance(by: .seconds(3599))
                #expect(clock.sleeping == 1, "closed before its age")
                clock.advance(by: .seconds(1))
                try await group.waitForAll()
            }
            let stored = try await Self.readBack(server)
            #expect(stored.objects.count == 1 && stored.objects[0].key.hasSuffix(".jsonl") && stored.objects[0].content_encoding == nil)
            #expect(stored.objects[0].lines?.count == item.parts.count)
        }
    }

    @Test func largeObjectsUseMultipartUpload() async throws {
        let server = try await S3TestServer()
        defer { server.stop() }
        // 7,000 LLM-shaped spans encode to more than one 5 MiB part.
        let request = try OTLPProtobufDecoder().decode(try SampleRequests.llmShaped(spans: 7000).serializedBytes())
        let e = try S3Exporter(
            config: try Self.config(server, ["format": "otlp_proto", "compression": "none", "part_size_bytes": "5242880"]),
            settings: .standalone("s3", .exporter))
        let body = OTLPProtobufEncoder().encode(request)
        #expect(body.count > 5 << 20)
        try await Self.running(e) {
            try await e.export(ExportItem(batch: request, records: nil))
            let stored = try await Self.readBack(server)
            #expect(stored.objects.count == 1 && stored.objects[0].size == body.count && stored.objects[0].spans == 7000)
            #expect(stored.objects[0].key.hasSuffix(".binpb"))
        }
    }

    /// Virtual-hosted style against the server: the bucket is in the host name
    /// (`genai-traces.localhost:PORT`, which resolves to loopback as `*.localhost` names should;
    /// `scripts/test-env.sh` installs the resolver module where it is missing), the path holds only
    /// the key, and the signature covers that host.
    @Test func virtualHostedStyleStoresAndReadsBack() async throws {
        let server = try await S3TestServer()
        defer { server.stop() }
        let port = server.endpoint.split(separator: ":").last!
        let vhost = "\(server.bucket).localhost"
        try #require(Self.resolves(vhost), "\(vhost) does not resolve; scripts/test-env.sh installs libnss-myhostname for *.localhost")
        let c = try Self.config(server, ["endpoint": "http://localhost:\(port)", "force_path_style": "false"])
        let counters = Counters()
        let e = try S3Exporter(config: c, settings: .standalone("s3", .exporter, counters: counters))
        #expect(S3Client(config: c, transport: try HTTPTransport(tls: nil)).origin == "http://\(vhost):\(port)")
        let item = try Self.item()
        try await Self.running(e) {
            try await e.export(item)
        }
        let stored = try await Self.readBack(server)
        #expect(!stored.objects.isEmpty && stored.objects.allSatisfy { $0.key.hasPrefix("raw/proj-1/year=") }, "\(stored.objects.map(\.key))")
        let events = item.records!.reduce(0) { $0 + $1.traces.count + $1.observations.count + $1.scores.count }
        #expect(stored.objects.reduce(0) { $0 + ($1.lines?.count ?? 0) } == events)
        #expect(counters.value(.exporterObjects, ["exporter": "s3"]) == stored.objects.count)
    }

    static func resolves(_ host: String) -> Bool {
        var result: UnsafeMutablePointer<addrinfo>?
        defer { if let result { freeaddrinfo(result) } }
        return getaddrinfo(host, nil, nil, &result) == 0
    }

    /// Temporary credentials (an assumed role's, from the server's STS): stored when the session
    /// token rides along as `x-amz-security-token`; refused, permanently, without it or with another.
    @Test func sessionTokenCredentialsAreSentAndChecked() async throws {
        let server = try await S3TestServer()
        defer { server.stop() }
        let temporary = ["access_key_id": server.temporaryKeyID, "secret_access_key": server.temporarySecret]
        let e = try S3Exporter(
            config: try Self.config(server, temporary.merging(["session_token": server.sessionToken]) { $1 }), settings: .standalone("s3", .exporter))
        let item = try Self.item()
        try await Self.running(e) {
            try await e.export(item)
        }
        let events = item.records!.reduce(0) { $0 + $1.traces.count + $1.observations.count + $1.scores.count }
        #expect(try await Self.readBack(server).objects.reduce(0) { $0 + ($1.lines?.count ?? 0) } == events)
        for (extra, expected) in [([:], "InvalidAccessKeyId"), (["session_token": "not-the-token"], "InvalidToken")] {
            let refused = try S3Exporter(config: try Self.config(server, temporary.merging(extra) { $1 }), settings: .standalone("s3", .exporter))
            try await Self.running(refused) {
                do throws(ExportFailure) {
                    try await refused.export(item)
                    Issue.record("expected \(expected)")
                } catch {
                    #expect(error.isPermanent && "\(error)".contains(expected), "\(error)")
                }
            }
        }
    }

    @Test func wrongCredentialsAndAMissingBucketArePermanentAndCounted() async throws {
        let server = try await S3TestServer()
        defer { server.stop() }
        for (config, expected) in [
            (try Self.config(server, secret: "wrong-secret"), "SignatureDoesNotMatch"),
            (try Self.config(server, ["access_key_id": "AKIAUNKNOWN0000000000"]), "InvalidAccessKeyId"),
            (try Self.config(server, ["bucket": "no-such-bucket"]), "NoSuchBucket"),
        ] {
            let e = try S3Exporter(config: config, settings: .standalone("s3", .exporter))
            let item = try Self.item()
            try await Self.running(e) {
                do throws(ExportFailure) {
                    try await e.export(item)
                    Issue.record("expected \(expected)")
                } catch {
                    #expect(error.isPermanent && "\(error)".contains(expected), "\(error)")
                }
            }
        }
        // Through the sending queue: dropped once, counted with its reason, never retried.
        let counters = Counters()
        let queue = ExporterQueue(
            exporter: try S3Exporter(config: try Self.config(server, secret: "wrong-secret"), settings: .standalone("s3", .exporter)),
            settings: settings(), counters: counters, logger: Logger(label: "t"))
        let item = try Self.item()
        try await withQueue(queue) { () async throws in
            queue.offer(item)
            #expect(try await eventually { counters.total(.exporterSendFailedSpans) == item.spanCount })
        }
        #expect(counters.value(.droppedSpans, ["exporter": "s3", "reason": "permanent_error"]) == item.spanCount)
        #expect(try await Self.readBack(server).objects.isEmpty)
    }
}
