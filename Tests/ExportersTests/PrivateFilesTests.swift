import CollectorCore
@testable import ExporterHelper
import ComponentModel
@testable import Exporters
import Foundation
import GenAIMapping
import OTLP
import TestSupport
@testable import CollectorQueue
import Testing

/// What the collector writes to disk holds prompts: files 0600, new directories 0700, and a symbolic
/// link at a name it writes is never followed.
@Suite(.timeLimit(.minutes(5)))
struct PrivateFilesTests {
    static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    static func scratch() -> String { NSTemporaryDirectory() + "genai-private-\(UUID().uuidString)" }

    @Test func theFileExporterWritesPrivateFiles() async throws {
        let root = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var map = try ConfigMap(.mapping([ConfigEntry("directory", .scalar(root + "/out/nested", quoted: true))]), path: "exporters.file")
        let exporter = FileExporter(config: try FileExporter.Config(&map), settings: .standalone("file", .exporter))
        let batch = try OTLPProtobufDecoder().decode(try FixtureFiles.bytes("openinference_openai_3chats.otlp.pb"))
        try await exporter.export(ExportItem(batch: batch, records: GenAITranslator().translate(batch)))
        await exporter.shutdown()
        let files = try FileManager.default.contentsOfDirectory(atPath: root + "/out/nested")
        #expect(files.count == 1)
        #expect(Self.mode(root + "/out/nested/" + files[0]) == 0o600)
        #expect(Self.mode(root + "/out") == 0o700 && Self.mode(root + "/out/nested") == 0o700)
    }

    @Test func queueSegmentsAndTheCommitFileArePrivate() async throws {
        let dir = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let queue = try DiskQueue(DiskQueue.Config(directory: dir, fsync: .never))
        let seq = try await queue.append(Array("a prompt".utf8), spans: 1)
        try await queue.ack([seq])
        try await queue.close()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(names.contains("commit") && names.contains { $0.hasPrefix("seg-") })
        for name in names { #expect(Self.mode(dir + "/" + name) == 0o600, "\(name)") }
        #expect(Self.mode(dir) == 0o700)
        #expect(!names.contains { $0.hasPrefix("commit.") }, "no temporary commit file is left")
    }

    /// A link planted where the queue will write its first segment: the queue refuses to start
    /// instead of writing prompts through it, and the link's target is untouched.
    @Test func aPlantedLinkIsNotFollowed() throws {
        let dir = Self.scratch()
        let target = dir + "-target"
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: target) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "keep me".write(toFile: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/seg-00000000000000000001.wal", withDestinationPath: target)
        #expect(throws: DiskQueueError.self) { _ = try DiskQueue(DiskQueue.Config(directory: dir, fsync: .never)) }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me")
    }

    @Test func writabilityIsCheckedWithThePath() throws {
        let file = Self.scratch()
        try "a file, not a directory".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let problem = PrivateFiles.checkWritable(file + "/out")
        #expect(problem?.contains(file + "/out") == true, "\(problem ?? "nil")")
        let ok = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: ok) }
        #expect(PrivateFiles.checkWritable(ok) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: ok).isEmpty, "the probe file is removed")
    }
}
