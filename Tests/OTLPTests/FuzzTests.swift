import CollectorCore
import GenAIMapping
import OTLP
import OTLPSamples
import Testing

/// Mutated and truncated real payloads: every outcome is a batch or a typed error, never a crash,
/// and what decodes also translates and re-encodes. Deterministic seeds, so a failure replays.
struct FuzzTests {
    static let corpus: [[UInt8]] = {
        var c = FixtureFiles.captures.compactMap { try? FixtureFiles.bytes($0 + ".otlp.pb") }
        c += (1...8).compactMap { try? SampleRequests.random(seed: $0).serializedBytes() }
        return c
    }()

    static func mutate(_ input: [UInt8], _ rng: inout SampleRNG) -> [UInt8] {
        var b = input
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            guard !b.isEmpty else { break }
            let at = Int(rng.next() % UInt64(b.count))
            switch rng.next() % 6 {
            case 0: b[at] ^= UInt8(1 << (rng.next() % 8))                    // bit flip
            case 1: b[at] = [0x00, 0xFF, 0x7F, 0x80, 0xC3][Int(rng.next() % 5)] // interesting byte
            case 2: b = Array(b.prefix(at))                                     // truncation
            case 3: b.insert(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], at: at)  // absurd length
            case 4: b.remove(at: at)
            default:                                                            // duplicate a chunk
                let n = min(16, b.count - at)
                b.insert(contentsOf: b[at..<(at + n)], at: at)
            }
        }
        return b
    }

    @Test func mutatedProtobuf() async throws {
        // Seconds of CPU: on a thread of its own, so tests waiting on timers are not starved meanwhile.
        let (decoded, refused, problems) = try await offPool { Self.mutatedProtobufRun() }
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(decoded > 100 && refused > 100)
    }

    static func mutatedProtobufRun() -> (Int, Int, [String]) {
        var rng = SampleRNG(seed: 42)
        var decoded = 0
        var refused = 0
        var problems: [String] = []
        for i in 0..<6000 {
            let input = Self.mutate(Self.corpus[i % Self.corpus.count], &rng)
            do {
                let batch = try OTLPProtobufDecoder().decode(input)
                decoded += 1
                // Whatever decodes must also survive translation and encoding.
                _ = IngestionBatchEncoder().encode(GenAITranslator().translate(batch))
                _ = OTLPJSONEncoder().encode(batch)
                if batch.attributes.count > input.count || batch.spans.count > input.count { problems.append("case \(i): tables beyond the input") }
            } catch {
                refused += 1
                if error.description.isEmpty { problems.append("case \(i): an error without a description") }
            }
        }
        return (decoded, refused, problems)
    }

    @Test func mutatedJSON() async throws {
        let sources = try FixtureFiles.captures.map { try FixtureFiles.bytes($0 + ".otlp.json") }
        let decoded = try await offPool { () -> Int in
            var rng = SampleRNG(seed: 7)
            var decoded = 0
            for i in 0..<1500 {
                let input = Self.mutate(sources[i % sources.count], &rng)
                if let batch = try? OTLPJSONDecoder().decode(input) {
                    decoded += 1
                    _ = IngestionBatchEncoder().encode(GenAITranslator().translate(batch))
                }
            }
            return decoded
        }
        #expect(decoded > 0)
    }

    @Test func everyTruncationOfACapture() throws {
        let full = try FixtureFiles.bytes("langfuse_sdk_observe_generation.otlp.pb")
        for n in 0..<full.count {
            _ = try? OTLPProtobufDecoder().decode(Array(full.prefix(n)))
        }
        let gz = try FixtureFiles.bytes("langfuse_sdk_observe_generation.otlp.pb.gz")
        for n in 0..<gz.count { _ = try? OTLPRequestDecoder().decode(Array(gz.prefix(n))) }
    }
}
