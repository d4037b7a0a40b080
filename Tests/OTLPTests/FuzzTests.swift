import CollectorCore
import GenAIMapping
import OTLP
import TestSupport
import Testing
import SwiftProtobuf

/// Mutated and truncated real payloads: every outcome is a typed error or a batch that translates,
/// and re-encodes to bytes that decode to the same batch. Deterministic seeds, so a failure replays.
@Suite(.timeLimit(.minutes(5)))
struct FuzzTests {
    /// The captures and eight generated requests; a fixture that cannot be read fails the test.
    static func corpus() throws -> [[UInt8]] {
        var c = try FixtureFiles.captures.map { try FixtureFiles.bytes($0 + ".otlp.pb") }
        c += try (1...8).map { try SampleRequests.random(seed: $0).serializedBytes() }
        return c
    }

    /// What decoded must come back the same through our own encoder: nothing read is lost or invented.
    static func roundTrips(_ batch: TraceBatch, json: Bool = false) -> Bool {
        let again: TraceBatch?
        if json {
            again = try? OTLPJSONDecoder().decode(OTLPJSONEncoder().encode(batch))
        } else {
            again = try? OTLPProtobufDecoder().decode(OTLPProtobufEncoder().encode(batch))
        }
        return again.map { Canonical.of($0) == Canonical.of(batch) } ?? false
    }

    static func mutate(_ input: [UInt8], _ rng: inout SampleRNG) -> [UInt8] {
        var b = input
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            guard !b.isEmpty else { break }
            let at = Int(rng.next() % UInt64(b.count))
            switch rng.next() % 6 {
            case 0: b[at] ^= UInt8(1 << (rng.next() % 8))  // bit flip
            case 1: b[at] = [0x00, 0xFF, 0x7F, 0x80, 0xC3][Int(rng.next() % 5)]  // interesting byte
            case 2: b = Array(b.prefix(at))  // truncation
            case 3: b.insert(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], at: at)  // absurd length
            case 4: b.remove(at: at)
            default:  // duplicate a chunk
                let n = min(16, b.count - at)
                b.insert(contentsOf: b[at..<(at + n)], at: at)
            }
        }
        return b
    }

    @Test func mutatedProtobuf() async throws {
        // Seconds of CPU: on a thread of its own, so tests waiting on timers are not starved meanwhile.
        let corpus = try Self.corpus()
        #expect(corpus.count == FixtureFiles.captures.count + 8)
        let (decoded, refused, problems) = try await offPool { Self.mutatedProtobufRun(corpus) }
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(decoded > 100 && refused > 100)
    }

    static func mutatedProtobufRun(_ corpus: [[UInt8]]) -> (Int, Int, [String]) {
        var rng = SampleRNG(seed: 42)
        var decoded = 0
        var refused = 0
        var problems: [String] = []
        for i in 0..<6000 {
            let input = Self.mutate(corpus[i % corpus.count], &rng)
            do {
                let batch = try OTLPProtobufDecoder().decode(input)
                decoded += 1
                // Whatever decodes must also survive translation and encoding.
                _ = IngestionBatchEncoder().encode(GenAITranslator().translate(batch))
                _ = OTLPJSONEncoder().encode(batch)
                if batch.attributes.count > input.count || batch.spans.count > input.count { problems.append("case \(i): tables beyond the input") }
                if !Self.roundTrips(batch) { problems.append("case \(i): re-encoded, it decodes to a different batch") }
            } catch {
                refused += 1
                if error.description.isEmpty { problems.append("case \(i): an error without a description") }
            }
        }
        return (decoded, refused, problems)
    }

    @Test func mutatedJSON() async throws {
        let sources = try FixtureFiles.captures.map { try FixtureFiles.bytes($0 + ".otlp.json") }
        #expect(sources.count == FixtureFiles.captures.count)
        let (decoded, refused, problems) = try await offPool { () -> (Int, Int, [String]) in
            var rng = SampleRNG(seed: 7)
            var decoded = 0, refused = 0
            var problems: [String] = []
            for i in 0..<1500 {
                let input = Self.mutate(sources[i % sources.count], &rng)
                do {
                    let batch = try OTLPJSONDecoder().decode(input)
                    decoded += 1
                    _ = IngestionBatchEncoder().encode(GenAITranslator().translate(batch))
                    if !Self.roundTrips(batch, json: true) { problems.append("case \(i): re-encoded, it decodes to a different batch") }
                } catch {
                    refused += 1
                    if !(error is OTLPDecodingError) || "\(error)".isEmpty { problems.append("case \(i): not a described OTLPDecodingError: \(error)") }
                }
            }
            return (decoded, refused, problems)
        }
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(decoded > 0 && refused > 0)
    }

    /// Every prefix of a capture decodes to a batch that round-trips or is refused; every prefix of
    /// its gzip form short of the whole is refused (a gzip stream cut anywhere is incomplete).
    /// Both outcomes are counted, so a decoder that refused everything would fail too.
    @Test func everyTruncationOfACapture() throws {
        let full = try FixtureFiles.bytes("langfuse_sdk_observe_generation.otlp.pb")
        var decoded = 0, refused = 0
        for n in 0..<full.count {
            do {
                let batch = try OTLPProtobufDecoder().decode(Array(full.prefix(n)))
                decoded += 1
                #expect(Self.roundTrips(batch), "prefix \(n)")
            } catch {
                refused += 1
            }
        }
        #expect(decoded + refused == full.count && decoded >= 1 && refused >= 1)
        let gz = try FixtureFiles.bytes("langfuse_sdk_observe_generation.otlp.pb.gz")
        var accepted: [Int] = []
        // From two bytes on, the gzip magic is there and the body is read as gzip.
        for n in 2..<gz.count where (try? OTLPRequestDecoder().decode(Array(gz.prefix(n)), format: .protobuf)) != nil { accepted.append(n) }
        #expect(accepted.isEmpty, "truncated gzip accepted at \(accepted.prefix(5))")
        #expect(try OTLPRequestDecoder().decode(gz, format: .protobuf).spans.count > 0)
    }
}
