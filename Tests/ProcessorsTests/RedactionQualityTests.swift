import Foundation
import CollectorCore
import TestSupport
import Processors
import Testing

/// Recall and false positives of the built-in detectors on a seeded synthetic corpus
/// (`scripts/redaction-corpus.py`, Faker from PyPI, installed by the test command): at least 99%
/// recall on every detector, under 1% of clean prose, code and JSON texts with any finding.
@Suite(.timeLimit(.minutes(5)))
struct RedactionQualityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func corpus(seed: Int, mode: String = "quality") throws -> [RedactionScore.Sample] {
        let out = NSTemporaryDirectory() + "redaction-corpus-\(seed)-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.root.appendingPathComponent("scripts/redaction-corpus.py").path, mode, "--seed", String(seed), "--out", out]
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitForExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(p.terminationStatus == 0, "corpus generator failed (is Faker installed? scripts/test.sh installs it): \(message)")
        return try RedactionScore.samples(jsonLines: Array(try Data(contentsOf: URL(fileURLWithPath: out))))
    }

    @Test(arguments: [7, 1013])
    func recallAndFalsePositives(seed: Int) async throws {
        // Generating and scoring take seconds in a debug build: off the tests' cooperative pool.
        let score = try await offPool { () -> RedactionScore in
            var score = RedactionScore()
            var scratch: [ScanMatch] = []
            for s in try self.corpus(seed: seed) { score.add(s, scratch: &scratch) }
            return score
        }
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

    /// Disguised findings (`redaction-corpus.py disguised`: zero-width characters, full-width forms,
    /// percent-encoding, base64, IDN addresses, card separators, Basic credentials in prose, secret
    /// JSON keys, lone surrogates, number spellings) through the processor's own path: every
    /// disguised value is gone from the output, and JSON stays JSON.
    @Test(arguments: [7, 1013])
    func disguisedFindingsAreRemoved(seed: Int) async throws {
        let samples = try await offPool { try self.corpus(seed: seed, mode: "disguised") }
        let processor = RedactionProcessor(config: .init())
        let (perKind, misses) = try await offPool { () -> ([String: (Int, Int)], [String]) in
            var perKind: [String: (found: Int, total: Int)] = [:]
            var misses: [String] = []
            for sample in samples {
                guard let (_, value) = sample.expect.first else { continue }
                let out = processor.redact(text: sample.text) ?? sample.text
                let removed = RedactionScore.find(value, in: out) == nil
                let stillJSON = sample.text.first != UInt8(ascii: "{") || (try? JSONParser().parse(out)) != nil
                perKind[sample.kind, default: (0, 0)].total += 1
                if removed && stillJSON {
                    perKind[sample.kind]!.found += 1
                } else if misses.count < 10 {
                    misses.append("\(sample.kind): \(String(decoding: sample.text, as: UTF8.self)) → \(String(decoding: out, as: UTF8.self))")
                }
            }
            return (perKind.mapValues { ($0.found, $0.total) }, misses)
        }
        #expect(perKind.count == 11, "\(perKind.keys.sorted())")
        for (kind, (found, total)) in perKind.sorted(by: { $0.key < $1.key }) {
            #expect(total >= 100)
            #expect(Double(found) >= 0.99 * Double(total), "\(kind): \(found)/\(total); \(misses.filter { $0.hasPrefix(kind) })")
        }
    }

    /// The clean texts through the processor's full path (normalization, base64 runs, JSON keys)
    /// stay as they were, as through the scanner alone.
    @Test func cleanTextsStayCleanThroughTheProcessor() async throws {
        let samples = try await offPool { try self.corpus(seed: 7) }.filter { $0.expect.isEmpty }
        let processor = RedactionProcessor(config: .init())
        let changed = try await offPool { samples.filter { processor.redact(text: $0.text) != nil }.map { String(decoding: $0.text, as: UTF8.self) } }
        #expect(samples.count >= 3000)
        #expect(Double(changed.count) < 0.01 * Double(samples.count), "\(changed.count): \(changed.prefix(3))")
    }

    @Test func ordinalsFollowTheCaseOrder() {
        #expect(Detector.allCases.enumerated().allSatisfy { $0.offset == $0.element.ordinal })
    }
}
