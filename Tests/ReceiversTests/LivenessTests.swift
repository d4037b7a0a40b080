import Foundation
import NIOCore
import NIOPosix
@testable import Receivers
import Synchronization
import TestSupport
import Testing

/// `/livez` asks every shared event loop to run a no-op: a loop stuck in blocking work makes it
/// false within the limit (rather than hanging the probe), and it is true again once the loop is free.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct LivenessTests {
    @Test func aStuckEventLoopFailsLivenessWithinTheLimit() async throws {
        // A group of its own: blocking a loop of the shared one would stall every server the
        // other tests start meanwhile.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        #expect(await TelemetryEndpoints.eventLoopsAnswer(within: .seconds(2), group: group))
        let loop = group.next()
        let blocked = Atomic<Bool>(false)
        let release = Atomic<Bool>(false)
        let stuck = Atomic<Bool>(false)
        loop.execute {
            blocked.store(true, ordering: .releasing)
            stuck.store(true, ordering: .releasing)
            // The injected fault: this loop does blocking work until the test lets it go (at most 200 s,
            // far beyond any scheduling delay of a loaded machine).
            for _ in 0..<20_000 where !release.load(ordering: .acquiring) { usleep(10_000) }
            stuck.store(false, ordering: .releasing)
        }
        while !blocked.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(10)) }
        let alive = await TelemetryEndpoints.eventLoopsAnswer(within: .milliseconds(500), group: group)
        #expect(!alive, "a blocked loop was reported alive")
        // The check answered while the loop was still stuck: it did not wait for it. (Causal rather
        // than a wall-clock bound, which a test run that starves the task pool for seconds breaks.)
        let stillStuck = stuck.load(ordering: .acquiring)
        #expect(stillStuck, "the check waited for the stuck loop")
        release.store(true, ordering: .releasing)
        #expect(try await eventually { await TelemetryEndpoints.eventLoopsAnswer(within: .seconds(2), group: group) })
        try await group.shutdownGracefully()
    }

}
