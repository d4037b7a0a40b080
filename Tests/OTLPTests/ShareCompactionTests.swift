import CollectorCore
import OTLP
import OTLPProto
import OTLPSamples
import SwiftProtobuf
import Testing

/// A trace's share of a request, copied out on its own (`compacted`), is the same data: it encodes
/// to the same bytes as the share, for requests using every field and value type; and only shares
/// of larger requests are taken for ones.
@Suite struct ShareCompactionTests {
    @Test func aCompactedShareEncodesAsTheShare() throws {
        var shares = 0
        for seed in 1...300 {
            let batch = try OTLPProtobufDecoder().decode(Array(try SampleRequests.random(seed: UInt64(seed)).serializedData()))
            for (_, share) in batch.splitByTrace() {
                let compact = share.compacted()
                #expect(OTLPProtobufEncoder().encode(compact) == OTLPProtobufEncoder().encode(share), "seed \(seed)")
                #expect(compact.spans.map(\.spanID) == share.spans.map(\.spanID))
                #expect(compact.bytes.count <= share.bytes.count)
                shares += 1
            }
        }
        #expect(shares > 300)
    }

    @Test func onlySharesOfLargerRequestsAreCopiedOut() throws {
        let batch = try OTLPProtobufDecoder().decode(Array(try SampleRequests.llmShaped(spans: 100).serializedData()))
        let shares = batch.splitByTrace().map(\.batch)
        #expect(shares.count == 100 && shares.allSatisfy(\.isShareOfLargerRequest))
        #expect(!batch.isShareOfLargerRequest)
        let compact = shares[7].compacted()
        #expect(!compact.isShareOfLargerRequest)
        #expect(compact.bytes.count * 20 < batch.bytes.count, "\(compact.bytes.count) of \(batch.bytes.count)")
    }
}
