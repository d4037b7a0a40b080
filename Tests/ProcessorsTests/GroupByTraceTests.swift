import CollectorCore
import ComponentModel
import Processors
import TestSupport
import Testing

/// The per-trace buffer's state, on times it is given: when a trace falls due, what the bounds
/// release early, and that every span, byte and admitted cost taken in is given back exactly once.
struct GroupByTraceTests {
    static let limits = TraceBuffer.Limits(wait: .seconds(5), rootWait: .seconds(30), maxTraces: 1000, maxBytes: 64 << 20)

    /// One request: `(trace, span, parent)` triples in one scope, or split over two scopes.
    static func request(_ spans: [(trace: UInt64, span: UInt64, parent: UInt64?)], scopes: Int = 1) -> TraceBatch {
        var b = TraceBatch(bytes: Array(repeating: 0, count: 100))
        b.resources = [ResourceEntry()]
        b.resources[0].scopes = TableSlice(start: 0, count: scopes)
        let cut = scopes == 1 ? spans.count : spans.count / 2
        b.scopes = [ScopeEntry(), ScopeEntry()].prefix(scopes).map { $0 }
        b.scopes[0].spans = TableSlice(start: 0, count: cut)
        if scopes == 2 { b.scopes[1].spans = TableSlice(start: cut, count: spans.count - cut) }
        b.spans = spans.map { t in
            var s = Span()
            s.traceID = TraceID(high: 0, low: t.trace)
            s.spanID = SpanID(t.span)
            s.parentSpanID = t.parent.map(SpanID.init)
            return s
        }
        return b
    }

    static func at(_ s: Double) -> Duration { .milliseconds(Int(s * 1000)) }

    @Test func splittingARequestKeepsEachTracesSpansInTheirScopes() {
        let b = Self.request([(1, 11, nil), (2, 21, nil), (1, 12, 11), (2, 22, 21), (1, 13, 11), (3, 31, nil)], scopes: 2)
        let shares = b.splitByTrace()
        #expect(shares.map(\.trace.low) == [1, 2, 3])
        #expect(shares[0].batch.spans.map(\.spanID.value) == [11, 12, 13])
        #expect(shares[0].batch.scopes.map(\.spans) == [TableSlice(start: 0, count: 2), TableSlice(start: 2, count: 1)])
        #expect(shares[1].batch.spans.map(\.spanID.value) == [21, 22])
        #expect(shares[1].batch.scopes.map(\.spans) == [TableSlice(start: 0, count: 1), TableSlice(start: 1, count: 1)])
        #expect(shares[2].batch.scopes.map(\.spans) == [TableSlice(start: 0, count: 0), TableSlice(start: 0, count: 1)])
        let one = Self.request([(4, 41, nil), (4, 42, 41)])
        #expect(one.splitByTrace().count == 1 && one.splitByTrace()[0].batch == one)
    }

    @Test func sharesOfOneRequestAreMergedBackIntoOne() {
        let b = Self.request([(1, 11, nil), (2, 21, nil), (1, 12, 11), (2, 22, 21), (1, 13, 11), (3, 31, nil)], scopes: 2)
        let other = Self.request([(4, 41, nil)])
        let shares = b.splitByTrace().map(\.batch)
        let merged = TraceBatch.regrouping([shares[2], other, shares[0], shares[1]])
        #expect(merged.count == 2, "the three shares are one request again; the other request stays apart")
        #expect(merged[1] == other)
        #expect(merged[0].spans.count == 6 && merged[0].scopes.map(\.spans.count) == [3, 3])
        #expect(Set(merged[0].spans[merged[0].scopes[0].spans.range].map(\.spanID.value)) == [11, 21, 12])
        #expect(Set(merged[0].spans[merged[0].scopes[1].spans.range].map(\.spanID.value)) == [22, 13, 31])
        // A share whose tables changed since (a processor wrote to it) is not merged.
        var changed = shares[1]
        changed.store("written")
        #expect(TraceBatch.regrouping([shares[0], changed]).count == 2)
    }

    @Test func aTraceGoesWholeOnceItsRootHasComeAndItHasBeenQuietForTheWait() {
        var buffer = TraceBuffer(limits: Self.limits)
        #expect(buffer.add(Self.request([(1, 12, 11)]), cost: 10, now: Self.at(0)).isEmpty)
        #expect(buffer.add(Self.request([(1, 13, 11), (2, 21, nil)]), cost: 20, now: Self.at(1)).isEmpty)
        #expect(buffer.add(Self.request([(1, 11, nil)]), cost: 30, now: Self.at(2)).isEmpty)
        #expect(buffer.due(now: Self.at(6.9)).map(\.trace.low) == [2], "trace 2's root came at 1 s")
        #expect(buffer.nextDue() == Self.at(7))
        #expect(buffer.due(now: Self.at(6.999)).isEmpty)
        let out = buffer.due(now: Self.at(7))
        #expect(out.count == 1)
        #expect(out[0].trace.low == 1 && out[0].reason == .complete && out[0].spans == 3)
        #expect(out[0].parts.map { $0.spans.map(\.spanID.value) } == [[12], [13], [11]], "one share per request, in arrival order")
        #expect(out[0].cost == 10 + 10 + 30, "the second request's cost is split by spans")
        #expect(buffer.count == 0 && buffer.spans == 0 && buffer.bytes == 0 && buffer.nextDue() == nil)
    }

    @Test func aSpanArrivingStartsTheWaitAgain() {
        var buffer = TraceBuffer(limits: Self.limits)
        #expect(buffer.add(Self.request([(1, 11, nil)]), cost: 1, now: Self.at(0)).isEmpty)
        #expect(buffer.add(Self.request([(1, 12, 11)]), cost: 1, now: Self.at(4)).isEmpty)
        #expect(buffer.due(now: Self.at(8.9)).isEmpty)
        #expect(buffer.due(now: Self.at(9)).map(\.spans) == [2])
    }

    @Test func aTraceWithoutItsRootGoesAfterTheRootWait() {
        var buffer = TraceBuffer(limits: Self.limits)
        #expect(buffer.add(Self.request([(1, 12, 11)]), cost: 1, now: Self.at(0)).isEmpty)
        #expect(buffer.due(now: Self.at(29.9)).isEmpty)
        #expect(buffer.nextDue() == Self.at(30))
        let out = buffer.due(now: Self.at(30))
        #expect(out.map(\.reason) == [.noRoot] && out[0].spans == 1)
    }

    @Test func overTheTraceBoundTheTraceIdleLongestGoesEarly() {
        var limits = Self.limits
        limits.maxTraces = 2
        var buffer = TraceBuffer(limits: limits)
        #expect(buffer.add(Self.request([(1, 11, nil)]), cost: 1, now: Self.at(0)).isEmpty)
        #expect(buffer.add(Self.request([(2, 22, 21)]), cost: 1, now: Self.at(1)).isEmpty)
        #expect(buffer.add(Self.request([(1, 12, 11)]), cost: 1, now: Self.at(2)).isEmpty)  // trace 1 is now the fresher
        let out = buffer.add(Self.request([(3, 31, nil)]), cost: 1, now: Self.at(3))
        #expect(out.map(\.trace.low) == [2] && out[0].reason == .evictedTraces)
        #expect(buffer.count == 2)
    }

    @Test func overTheByteBoundTracesGoEarlyUntilTheRequestsTheyHeldAreFreed() {
        let requests = [
            Self.request([(1, 11, nil), (2, 21, nil)]), Self.request([(3, 31, nil), (4, 41, nil)]), Self.request([(5, 51, nil), (6, 61, nil)]),
        ]
        // What two and three such requests take, measured on an unbounded buffer.
        var probe = TraceBuffer(limits: Self.limits)
        #expect(probe.add(requests[0], cost: 1, now: Self.at(0)).isEmpty)
        #expect(probe.add(requests[1], cost: 1, now: Self.at(1)).isEmpty)
        let two = probe.bytes
        #expect(probe.add(requests[2], cost: 1, now: Self.at(2)).isEmpty)
        let three = probe.bytes
        var limits = Self.limits
        limits.maxBytes = two + (three - two) / 2
        var buffer = TraceBuffer(limits: limits)
        #expect(buffer.add(requests[0], cost: 1, now: Self.at(0)).isEmpty)
        #expect(buffer.add(requests[1], cost: 1, now: Self.at(1)).isEmpty)
        // Releasing trace 1 alone frees little: the first request stays held by trace 2 until it goes too.
        let out = buffer.add(requests[2], cost: 1, now: Self.at(2))
        #expect(out.map(\.trace.low) == [1, 2])
        #expect(out.allSatisfy { $0.reason == .evictedBytes })
        #expect(buffer.bytes == two && buffer.count == 4)
    }

    /// 300 traces of 1 to 9 spans, shuffled into 60 requests arriving a second apart (seeded): every
    /// span comes out exactly once, each released trace holds only its own spans, all the cost taken
    /// in is given back, and nothing is left counted.
    @Test func everySpanAndEveryByteOfCostComesOutExactlyOnce() {
        var rng = SampleRNG(seed: 11)
        var spans: [(trace: UInt64, span: UInt64, parent: UInt64?)] = []
        for t in UInt64(1)...300 {
            let n = UInt64.random(in: 1...9, using: &rng)
            for s in 0..<n { spans.append((t, t * 100 + s, s == 0 ? nil : t * 100)) }
        }
        spans.shuffle(using: &rng)
        var limits = Self.limits
        limits.maxTraces = 120  // some leave early
        var buffer = TraceBuffer(limits: limits)
        var released: [TraceBuffer.Released] = []
        var costIn = 0
        let per = spans.count / 60 + 1
        for (i, start) in stride(from: 0, to: spans.count, by: per).enumerated() {
            let cost = Int.random(in: 1_000...100_000, using: &rng)
            costIn += cost
            let now = Self.at(Double(i))
            released += buffer.add(Self.request(Array(spans[start..<min(start + per, spans.count)])), cost: cost, now: now)
            released += buffer.due(now: now)
        }
        released += buffer.drain()
        #expect(Set(released.map(\.reason)).isSuperset(of: [.complete, .evictedTraces, .flushed]))
        let out = released.flatMap { r in r.parts.flatMap { $0.spans.map { ($0.traceID.low, $0.spanID.value) } } }
        #expect(out.count == spans.count)
        #expect(Set(out.map(\.1)) == Set(spans.map(\.span)))
        #expect(released.allSatisfy { r in r.parts.allSatisfy { $0.spans.allSatisfy { $0.traceID == r.trace } } })
        #expect(released.allSatisfy { r in r.spans == r.parts.reduce(0) { $0 + $1.spans.count } })
        #expect(released.reduce(0) { $0 + $1.cost } == costIn)
        #expect(buffer.count == 0 && buffer.spans == 0 && buffer.bytes == 0)
    }

    @Test func theConfigHasTheDefaultsAndRefusesNonsense() throws {
        func decode(_ entries: [(String, String)]) throws(ConfigError) -> GroupByTrace.Config {
            var m = try ConfigMap(.mapping(entries.map { ConfigEntry($0.0, .scalar($0.1, quoted: false)) }), path: "processors.groupbytrace")
            let c = try GroupByTrace.Config(&m)
            try m.finish()
            return c
        }
        let c = try decode([])
        #expect(c.waitDuration == .seconds(5) && c.rootWait == .seconds(30) && c.numTraces == 100_000 && c.maxSizeMiB == 256)
        #expect(try decode([("wait_duration", "1m")]).rootWait == .seconds(60))
        #expect(throws: ConfigError.self) { try decode([("wait_duration", "0s")]) }
        #expect(throws: ConfigError.self) { try decode([("wait_duration", "10s"), ("root_wait", "5s")]) }
        #expect(throws: ConfigError.self) { try decode([("num_traces", "0")]) }
        #expect(throws: ConfigError.self) { try decode([("num_workers", "4")]) }
    }
}
