import CollectorCore
@testable import ExporterHelper
@testable import CollectorRuntime
import Processors
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5)))
struct BatcherTests {
    func config(_ entries: [(String, String)]) throws -> BatchProcessor.Config {
        var m = try ConfigMap(.mapping(entries.map { ConfigEntry($0.0, .scalar($0.1, quoted: false)) }), path: "processors.batch")
        let c = try BatchProcessor.Config(&m)
        try m.finish()
        return c
    }

    func batch(_ spans: Int) -> TraceBatch {
        var b = TraceBatch()
        b.spans = Array(repeating: Span(), count: spans)
        b.resources = [ResourceEntry()]
        b.scopes = [ScopeEntry()]
        b.resources[0].scopes = TableSlice(start: 0, count: 1)
        b.scopes[0].spans = TableSlice(start: 0, count: spans)
        return b
    }

    /// The span counts of everything handed on so far.
    func drained(_ handoff: Handoff) async -> [Int] {
        var out: [Int] = []
        while await handoff.waiting > 0, let (parts, _) = await handoff.take() { out.append(parts.reduce(0) { $0 + $1.spans.count }) }
        return out
    }

    @Test func flushesAtSizeAndKeepsUnderTheMaximum() async throws {
        let handoff = Handoff()
        let batcher = Batcher(config: try config([("send_batch_size", "100"), ("send_batch_max_size", "100"), ("timeout", "1h")]), handoff: handoff)
        for _ in 0..<3 { await batcher.add(batch(40), cost: 1) }  // the third would pass 100: 80 goes first
        await batcher.add(batch(150), cost: 1)  // 40 + 150 would pass it: 40 goes, then 150 alone
        await batcher.flush()
        #expect(await drained(handoff) == [80, 40, 150])
    }

    @Test func aBatchHandsOnItsRequestsUnmergedInArrivalOrder() async throws {
        let handoff = Handoff()
        let batcher = Batcher(config: try config([("send_batch_size", "5")]), handoff: handoff)
        await batcher.add(batch(2), cost: 1)
        await batcher.add(batch(3), cost: 4)
        #expect(await handoff.waiting == 1)
        let (parts, cost) = await handoff.take()!
        #expect(parts.map(\.spans.count) == [2, 3] && cost == 5)
        #expect(parts[1].scopes[0].spans == TableSlice(start: 0, count: 3))
    }

    @Test func flushesAtTheByteThreshold() async throws {
        let handoff = Handoff()
        let batcher = Batcher(config: try config([("send_batch_bytes", "1000"), ("timeout", "1h")]), handoff: handoff)
        var b = batch(1)
        b.bytes = Array(repeating: 0, count: 600)
        await batcher.add(b, cost: 1)
        #expect(await handoff.waiting == 0)
        await batcher.add(b, cost: 1)  // 1200 bytes pending >= 1000
        #expect(await drained(handoff) == [2])
    }

    /// `timeout` on a test clock: a request waits while the clock has moved less than the timeout, is
    /// handed on once it has (never later), and what is pending at shutdown is handed on then.
    @Test func aBatchGoesOutAtItsTimeoutOnTheClock() async throws {
        let handoff = Handoff()
        let clock = ManualClock()
        let batcher = Batcher(config: try config([("timeout", "1s")]), handoff: handoff, clock: clock)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await batcher.run() }
            #expect(try await eventually { clock.sleeping == 1 })
            await batcher.add(batch(3), cost: 1)
            // Three ticks of a quarter second each: not yet due.
            for _ in 0..<3 {
                let started = clock.sleepsStarted
                clock.advance(by: .milliseconds(250))
                #expect(try await eventually { clock.sleepsStarted == started + 1 && clock.sleeping == 1 }, "the tick was handled")
            }
            #expect(await handoff.waiting == 0, "handed on before its timeout")
            clock.advance(by: .milliseconds(250))
            #expect(try await eventually { await handoff.waiting == 1 }, "not handed on at its timeout")
            #expect(await drained(handoff) == [3])
            await batcher.add(batch(2), cost: 1)
            group.cancelAll()  // as at shutdown: the pending request goes out, then the hand-off closes
            try await group.waitForAll()
        }
        #expect(await handoff.take()?.0.first?.spans.count == 2)
        #expect(await handoff.take() == nil)
    }

    @Test func closingTheHandoffEndsTheTaker() async throws {
        let handoff = Handoff()
        await handoff.put([batch(1)], cost: 1)
        await handoff.close()
        #expect(await handoff.take()?.0.first?.spans.count == 1)
        #expect(await handoff.take() == nil)
    }
}
