import Foundation
import Processors
import Testing

/// Recall and false positives of the built-in detectors on a seeded synthetic corpus
/// (`scripts/redaction-corpus.py`, Faker from PyPI, installed by the test command): at least 99%
/// recall on every detector, under 1% of clean prose, code and JSON texts with any finding.
struct RedactionQualityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func corpus(seed: Int) throws -> [RedactionScore.Sample] {
        let out = NSTemporaryDirectory() + "redaction-corpus-\(seed)-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.root.appendingPathComponent("scripts/redaction-corpus.py").path, "quality", "--seed", String(seed), "--out", out]
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(p.terminationStatus == 0, "corpus generator failed (is Faker installed? scripts/test.sh installs it): \(message)")
        return try RedactionScore.samples(jsonLines: Array(try Data(contentsOf: URL(fileURLWithPath: out))))
    }

    @Test(arguments: [7, 1013])
    func recallAndFalsePositives(seed: Int) throws {
        let samples = try corpus(seed: seed)
        var score = RedactionScore()
        var scratch: [ScanMatch] = []
        for s in samples { score.add(s, scratch: &scratch) }
        for d in Detector.allCases {
            let r = try #require(score.recall[d.rawValue], "no samples for \(d.rawValue)")
            #expect(r.total >= 250)
            #expect(Double(r.found) >= 0.99 * Double(r.total), "\(d.rawValue): \(r.found)/\(r.total); \(score.examples.filter { $0.contains(d.rawValue) })")
        }
        for kind in ["prose", "code", "json"] {
            let f = try #require(score.falsePositives[kind])
            #expect(f.total >= 1000)
            #expect(Double(f.hits) < 0.01 * Double(f.total), "\(kind): \(f.hits)/\(f.total); \(score.examples.filter { $0.contains(kind) })")
        }
    }

    @Test func ordinalsFollowTheCaseOrder() {
        #expect(Detector.allCases.enumerated().allSatisfy { $0.offset == $0.element.ordinal })
    }
}
