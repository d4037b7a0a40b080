import CollectorCore
import ExporterHelper
import ComponentModel
import Foundation
import GenAIMapping
import OTLP
import Synchronization

/// Writes batches into rolling objects, one open object per hour partition. An object closes when
/// it reaches `max_object_bytes`, when it is `max_object_age` old, when every sender of the queue is
/// waiting on it (nothing more can arrive), or at shutdown; then it is uploaded in one PUT, or as a
/// multipart upload above `part_size_bytes`.
///
/// `export` returns only once the objects holding the batch are stored, so the queue's retry and
/// (later) its durable log see the truth: a failed upload fails every batch in it, and they are
/// sent again into new objects. Nothing is acknowledged from memory.
public final class S3Exporter: Exporter {
    public let id: String
    public let needsRecords: Bool
    public let holdLimit: Duration
    let config: S3Exporter.Config
    let client: S3Client
    let objects: RollingObjects

    public init(config: Config, settings: ComponentSettings) throws(ExportFailure) {
        let id = settings.id.description
        let counters = settings.counters
        self.id = id
        self.config = config
        needsRecords = config.format == .langfuse
        holdLimit = config.maxObjectAge
        client = S3Client(config: config, transport: try HTTPTransport(tls: config.tls))
        objects = RollingObjects(config: config, client: client, clock: settings.clock) { bytes in
            counters.add(.exporterObjects, 1, ["exporter": id])
            counters.add(.exporterObjectBytes, bytes, ["exporter": id])
        }
    }

    public func export(_ item: ExportItem) async throws(ExportFailure) {
        let config = config
        let chunks = try await offLoop("the object encoding") { S3ObjectEncoder(config: config).chunks(item, nowNanos: Self.nowNanos()) }
        guard !chunks.isEmpty else { return }
        let waits = await objects.add(chunks)
        var failure: ExportFailure?
        for w in waits {
            if case .failure(let f) = await w.wait() { failure = failure ?? f }
        }
        await objects.release()
        if let failure { throw failure }
    }

    public func flushHeld() async { await objects.closeAll() }

    /// Timers and uploads; the connection closes once the last upload is done.
    public func run() async {
        await objects.run()
        await client.transport.shutdown()
    }

    /// What is still open is uploaded; `run` returns after it.
    public func shutdown() async {
        await objects.closeAll()
        objects.stop()
    }

    static func nowNanos() -> UInt64 {
        UInt64(Date().timeIntervalSince1970 * 1_000_000_000)
    }
}

/// The open objects, by hour partition (actor-confined), and the uploads of the closed ones.
actor RollingObjects {
    let config: S3Exporter.Config
    let client: S3Client
    /// Called with the stored size of every object written.
    let onStored: @Sendable (Int) -> Void
    private var open: [Int64: OpenObject] = [:]
    private var serial = 0
    /// Batches waiting on an object; when it reaches the queue's sender count, nothing more can arrive.
    private var held = 0
    /// More open hours than this (a backfill spanning days) closes the oldest first.
    static let maxOpenObjects = 8
    /// Uncompressed bytes gathered before they become one gzip member or zstd frame.
    static let compressionStage = 1 << 20

    /// Age timers and uploads, run as children of `run()` (which the exporter's queue owns).
    enum Job: Sendable {
        case timer(@Sendable () async -> Void)
        case upload(@Sendable () async -> Void)
    }
    private let jobs: AsyncStream<Job>.Continuation
    private let jobStream: AsyncStream<Job>
    let clock: any Clock<Duration>

    init(
        config: S3Exporter.Config, client: S3Client, clock: any Clock<Duration> = ContinuousClock(),
        onStored: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.config = config
        self.client = client
        self.clock = clock
        self.onStored = onStored
        (jobStream, jobs) = AsyncStream.makeStream()
    }

    /// Runs the timers and uploads until `stop()`; then the timers still waiting are cancelled, and
    /// the uploads (those `stop` was preceded by included) finish.
    nonisolated func run() async {
        await withDiscardingTaskGroup { uploads in
            await withDiscardingTaskGroup { timers in
                for await job in jobStream {
                    switch job {
                    case .timer(let run): timers.addTask { await run() }
                    case .upload(let run): uploads.addTask { await run() }
                    }
                }
                timers.cancelAll()
            }
        }
    }

    nonisolated func stop() { jobs.finish() }

    final class OpenObject {
        let key: String
        let serial: Int
        let done = Completion()
        var staged: [UInt8] = []
        var body: [UInt8] = []
        var rawBytes = 0
        /// Set if compressing failed: the object is not uploaded, its batches fail and are sent again.
        var failure: ExportFailure?

        init(key: String, serial: Int) {
            self.key = key
            self.serial = serial
        }
    }

    /// Adds a batch's chunks; returns what to wait for.
    func add(_ chunks: [(hour: Int64, bytes: [UInt8])]) -> [Completion] {
        var waits: [Completion] = []
        for (hour, bytes) in chunks {
            let object = open[hour] ?? openObject(hour)
            object.rawBytes += bytes.count
            if config.compression != .none {
                object.staged += bytes
                if object.staged.count >= Self.compressionStage { compressStaged(object) }
            } else {
                object.body += bytes
            }
            if !waits.contains(where: { $0 === object.done }) { waits.append(object.done) }
            if object.rawBytes >= config.maxObjectBytes { close(hour) }
        }
        held += 1
        if held >= config.sending.numConsumers { closeAll() }
        return waits
    }

    func release() { held -= 1 }

    func closeAll() {
        for hour in Array(open.keys) { close(hour) }
    }

    private func openObject(_ hour: Int64) -> OpenObject {
        if open.count >= Self.maxOpenObjects, let oldest = open.min(by: { $0.value.serial < $1.value.serial })?.key { close(oldest) }
        serial += 1
        let key = S3ObjectKey.make(
            prefix: config.prefix, projectID: config.projectID, hour: hour, uuid: S3ObjectKey.uuid(),
            fileExtension: config.fileExtension)
        let object = OpenObject(key: key, serial: serial)
        open[hour] = object
        let age = config.maxObjectAge
        let s = serial
        let clock = clock
        jobs.yield(
            .timer {
                guard (try? await clock.sleep(for: age)) != nil else { return }  // cancelled: stopping
                await self.closeIfOpen(hour, serial: s)
            })
        return object
    }

    private func closeIfOpen(_ hour: Int64, serial: Int) {
        if open[hour]?.serial == serial { close(hour) }
    }

    private func compressStaged(_ object: OpenObject) {
        guard !object.staged.isEmpty, object.failure == nil else { return }
        // A gzip file may hold several members, a zstd file several frames; every reader decodes
        // them as one stream.
        do {
            if config.compression == .zstd {
                object.body += try Zstd.compress(object.staged, level: config.compressionLevel)
            } else {
                object.body += try Gzip.compress(object.staged, level: Int32(config.compressionLevel))
            }
        } catch {
            object.failure = .retryable("cannot compress the object (\(config.compression.rawValue)): \(error)", cause: error)
        }
        object.staged = []
    }

    private func close(_ hour: Int64) {
        guard let object = open.removeValue(forKey: hour) else { return }
        if config.compression != .none { compressStaged(object) }
        if let failure = object.failure {
            object.done.resolve(.failure(failure))
            return
        }
        let upload = Upload(key: object.key, body: object.body, done: object.done)
        object.body = []
        let client = client
        let config = config
        let onStored = onStored
        let queued = jobs.yield(
            .upload {
                let result = await upload.run(client, config)
                if case .success = result { onStored(upload.body.count) }
                upload.done.resolve(result)
            })
        if case .terminated = queued { upload.done.resolve(.failure(.retryable("the exporter has stopped"))) }
    }
}

/// A closed object on its way to the store.
struct Upload: Sendable {
    let key: String
    let body: [UInt8]
    let done: Completion

    func run(_ client: S3Client, _ config: S3Exporter.Config) async -> Result<Void, ExportFailure> {
        let encoding = config.contentEncoding
        do throws(ExportFailure) {
            if body.count <= config.partSizeBytes {
                try await client.putObject(key: key, body: body, contentType: config.contentType, contentEncoding: encoding)
                return .success(())
            }
            let uploadID = try await client.createMultipartUpload(key: key, contentType: config.contentType, contentEncoding: encoding)
            do throws(ExportFailure) {
                var etags: [String] = []
                var offset = 0
                while offset < body.count {
                    let end = min(offset + config.partSizeBytes, body.count)
                    etags.append(try await client.uploadPart(key: key, uploadID: uploadID, number: etags.count + 1, body: Array(body[offset..<end])))
                    offset = end
                }
                try await client.completeMultipartUpload(key: key, uploadID: uploadID, etags: etags)
                return .success(())
            } catch {
                await client.abortMultipartUpload(key: key, uploadID: uploadID)
                throw error
            }
        } catch {
            return .failure(error)
        }
    }
}

/// Resolved once; any number of waiters.
final class Completion: Sendable {
    private let state = Mutex<(result: Result<Void, ExportFailure>?, waiters: [CheckedContinuation<Result<Void, ExportFailure>, Never>])>((nil, []))

    func resolve(_ result: Result<Void, ExportFailure>) {
        let waiters = state.withLock { s -> [CheckedContinuation<Result<Void, ExportFailure>, Never>] in
            guard s.result == nil else { return [] }
            s.result = result
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(returning: result) }
    }

    func wait() async -> Result<Void, ExportFailure> {
        await withCheckedContinuation { c in
            let ready = state.withLock { s -> Result<Void, ExportFailure>? in
                if let r = s.result { return r }
                s.waiters.append(c)
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }
}
