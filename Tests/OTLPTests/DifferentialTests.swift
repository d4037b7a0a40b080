import CollectorCore
import Foundation
import OTLP
import OTLPProto
import TestSupport
import SwiftProtobuf
import Testing

/// Our wire walker against swift-protobuf's generated decoder: same input, same content.
@Suite(.timeLimit(.minutes(5)))
struct DifferentialTests {
    @Test(arguments: FixtureFiles.captures)
    func capturedRequests(_ name: String) throws {
        let bytes = try FixtureFiles.bytes(name + ".otlp.pb")
        let reference = try ExportRequest(serializedBytes: bytes)
        let ours = try OTLPProtobufDecoder().decode(bytes)
        #expect(Canonical.of(ours) == Canonical.of(reference))
        #expect(ours.spans.count > 0)
    }

    @Test func randomRequestsUsingEveryField() throws {
        for seed in UInt64(1)...400 {
            let reference = SampleRequests.random(seed: seed)
            let bytes: [UInt8] = try reference.serializedBytes()
            let ours = try OTLPProtobufDecoder().decode(bytes)
            #expect(Bool(Canonical.of(ours) == Canonical.of(reference)), "seed \(seed)")
        }
    }

    @Test func llmShapedRequest() throws {
        let reference = SampleRequests.llmShaped(spans: 50)
        let ours = try OTLPProtobufDecoder().decode(try reference.serializedBytes())
        #expect(ours.spans.count == 50)
        #expect(ours.attributes.count == 50 * 20 + 2)
        #expect(Canonical.of(ours) == Canonical.of(reference))
    }

    @Test func emptyRequestIsAnEmptyBatch() throws {
        let batch = try OTLPProtobufDecoder().decode([])
        #expect(batch.spans.isEmpty && batch.resources.isEmpty)
    }
}

/// Encoding back must reproduce the same content, in both wire forms.
@Suite(.timeLimit(.minutes(5)))
struct RoundTripTests {
    @Test func protobufRoundTripReadBySwiftProtobuf() throws {
        for seed in UInt64(1)...300 {
            let reference = SampleRequests.random(seed: seed)
            let batch = try OTLPProtobufDecoder().decode(try reference.serializedBytes())
            let reencoded = OTLPProtobufEncoder().encode(batch)
            let decodedByReference = try ExportRequest(serializedBytes: reencoded)
            #expect(Bool(Canonical.of(decodedByReference) == Canonical.of(reference)), "seed \(seed)")
        }
    }

    @Test func jsonRoundTrip() throws {
        for seed in UInt64(1)...300 {
            let batch = try OTLPProtobufDecoder().decode(try SampleRequests.random(seed: seed).serializedBytes())
            let json = OTLPJSONEncoder().encode(batch)
            let back = try OTLPJSONDecoder().decode(json)
            #expect(Bool(Canonical.of(back) == Canonical.of(batch)), "seed \(seed)")
            // And on to protobuf: the same bytes as encoding the original batch.
            #expect(Bool(OTLPProtobufEncoder().encode(back) == OTLPProtobufEncoder().encode(batch)), "seed \(seed)")
        }
    }

    @Test(arguments: FixtureFiles.captures)
    func capturedJSONEqualsCapturedProtobuf(_ name: String) throws {
        let fromJSON = try OTLPJSONDecoder().decode(try FixtureFiles.bytes(name + ".otlp.json"))
        let fromPB = try OTLPProtobufDecoder().decode(try FixtureFiles.bytes(name + ".otlp.pb"))
        #expect(Canonical.of(fromJSON) == Canonical.of(fromPB))
    }

    @Test func gzippedCaptureDecodesLikeThePlainOne() throws {
        let gz = try OTLPRequestDecoder().decode(try FixtureFiles.bytes("langfuse_sdk_observe_generation.otlp.pb.gz"))
        let plain = try OTLPProtobufDecoder().decode(try FixtureFiles.bytes("langfuse_sdk_observe_generation.otlp.pb"))
        #expect(Canonical.of(gz) == Canonical.of(plain))
    }
}

/// The batcher's merge: concatenated batches equal one request holding both requests' resource spans.
@Suite(.timeLimit(.minutes(5)))
struct ConcatenationTests {
    @Test func concatenatedBatchesMatchTheCombinedRequest() throws {
        for seed in UInt64(1)...100 {
            let a = SampleRequests.random(seed: seed), b = SampleRequests.random(seed: seed + 1000)
            var combined = a
            combined.resourceSpans += b.resourceSpans
            let parts = [try OTLPProtobufDecoder().decode(try a.serializedBytes()), try OTLPProtobufDecoder().decode(try b.serializedBytes())]
            let merged = TraceBatch.concatenating(parts)
            #expect(Bool(Canonical.of(merged) == Canonical.of(combined)), "seed \(seed)")
            var appended = parts[0]
            appended.append(parts[1])
            #expect(Bool(Canonical.of(appended) == Canonical.of(combined)), "seed \(seed)")
        }
    }
}
