import CMallocStats
import CollectorCore
import Foundation
import OTLP
import OTLPProto
import OTLPSamples
import Processors
import SwiftProtobuf

/// `--groupbytrace`: what the per-trace buffer costs per span it holds. LLM-shaped requests of 100
/// spans (1.5-3 KB each), whose traces of 5 spans are shuffled across requests, are decoded and held
/// twice, side by side: as a plain array of decoded requests (the reference: what any stage holding
/// them pays), then in the buffer. Memory is the allocator's bytes in use, so it counts what is held,
/// not what the allocator keeps. Times are per span, against the decode of the same requests.
enum GroupByTraceBench {
    static func run(spans total: Int) throws {
        let perRequest = 100
        let spansPerTrace = 5
        let requests = max(1, total / perRequest)
        var rng = SampleRNG(seed: 5)
        var traceOf = (0..<(requests * perRequest)).map { $0 / spansPerTrace }
        traceOf.shuffle(using: &rng)
        var seen = Set<Int>()
        var bodies: [[UInt8]] = []
        for r in 0..<requests {
            var req = SampleRequests.llmShaped(spans: perRequest, seed: UInt64(r + 1))
            for i in 0..<perRequest {
                let t = traceOf[r * perRequest + i]
                req.resourceSpans[0].scopeSpans[0].spans[i].traceID = Data(
                    withUnsafeBytes(of: UInt64(t + 1).bigEndian) { [UInt8](repeating: 0, count: 8) + $0 })
                // The first span of a trace to arrive is its root: roots come early, as most do.
                if seen.insert(t).inserted {
                    req.resourceSpans[0].scopeSpans[0].spans[i].parentSpanID = Data()
                } else {
                    req.resourceSpans[0].scopeSpans[0].spans[i].parentSpanID = Data(repeating: 1, count: 8)
                }
            }
            bodies.append(Array(try req.serializedData()))
        }
        let spans = requests * perRequest
        let wire = bodies.reduce(0) { $0 + $1.count }
        print(
            "groupbytrace: \(spans) spans in \(requests) requests, traces of \(spansPerTrace) spans shuffled across them; \(wire / spans) wire bytes per span")

        // The reference: the decoded requests, held as they are.
        var start = cmallocstats_in_use()
        var clock = ContinuousClock.now
        var plain: [TraceBatch] = []
        for b in bodies { plain.append(try OTLPProtobufDecoder().decode(fresh(b))) }
        let decodeSeconds = seconds(since: clock)
        let plainBytes = cmallocstats_in_use() - start
        plain = []

        // The buffer: the same requests decoded again and added, then all released.
        var buffer = TraceBuffer(limits: .init(wait: .seconds(5), rootWait: .seconds(30), maxTraces: .max, maxBytes: .max))
        start = cmallocstats_in_use()
        var decoded: [TraceBatch] = []
        for b in bodies { decoded.append(try OTLPProtobufDecoder().decode(fresh(b))) }
        clock = ContinuousClock.now
        var early = 0
        for (i, batch) in decoded.enumerated() { early += buffer.add(batch, cost: 1, now: .milliseconds(i)).count }
        let addSeconds = seconds(since: clock)
        decoded = []
        let heldBytes = cmallocstats_in_use() - start
        let accounted = buffer.bytes
        let traces = buffer.count
        clock = ContinuousClock.now
        let released = buffer.due(now: .seconds(3600))
        let releaseSeconds = seconds(since: clock)
        guard early == 0, released.count == traces, released.reduce(0, { $0 + $1.spans }) == spans else {
            print("groupbytrace: the buffer did not give back every trace (\(early) early, \(released.count) of \(traces))")
            return
        }

        func perSpan(_ bytes: Int) -> String { String(format: "%6.0f", Double(bytes) / Double(spans)) }
        func ns(_ s: Double) -> String { String(format: "%6.0f", s / Double(spans) * 1e9) }
        print(
            "bytes per span held:  plain decoded requests \(perSpan(plainBytes))   in the buffer \(perSpan(heldBytes))   (buffer / plain \(String(format: "%.3f", Double(heldBytes) / Double(plainBytes))))"
        )
        print(
            "bytes per span the buffer counts against max_size_mib: \(perSpan(accounted)) (counted / held \(String(format: "%.3f", Double(accounted) / Double(heldBytes))))"
        )
        print(
            "ns per span:  decode \(ns(decodeSeconds))   buffer add \(ns(addSeconds))   release \(ns(releaseSeconds))   (add+release / decode \(String(format: "%.3f", (addSeconds + releaseSeconds) / decodeSeconds)))"
        )
    }

    /// A body in storage of its own, as one read from a socket: the decoded batch keeps it.
    static func fresh(_ b: [UInt8]) -> [UInt8] { b.withUnsafeBufferPointer { Array($0) } }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
