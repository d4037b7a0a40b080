import CollectorCore
@testable import CollectorRuntime
import Processors
import Testing

/// A receiver shared by several pipelines asks each once whether a request would fit. The memory in
/// flight changes meanwhile (other requests are admitted and exported); an answer computed twice
/// could differ, and a refusal seen once then gone was a crash (found by the log join benchmark,
/// whose embedded default now has three pipelines on one receiver).
@Suite(.timeLimit(.minutes(2)))
struct FanInTests {
    static func pipelines(_ admission: Admission) -> [Pipeline] {
        (0..<3).map { i in
            Pipeline(
                id: "p\(i)", admission: admission, before: [], batching: nil,
                fanOut: FanOut(after: [], exporters: [], admission: admission, counters: Counters()))
        }
    }

    /// Reserves and releases the whole budget, flipping every precheck's answer, while prechecks run.
    static func flip(_ admission: Admission, _ rounds: Int) async {
        for _ in 0..<rounds {
            if admission.tryReserve(admission.limitBytes) { admission.release(admission.limitBytes) }
            await Task.yield()
        }
    }

    static func ask(_ fanIn: FanIn, _ rounds: Int) async -> (refused: Int, admitted: Int) {
        var counts = (refused: 0, admitted: 0)
        for _ in 0..<rounds {
            if fanIn.precheck(bodyBytes: 1000) == nil { counts.admitted += 1 } else { counts.refused += 1 }
            await Task.yield()
        }
        return counts
    }

    @Test func aPrecheckRacingTheBudgetAnswersOnceAndNeverCrashes() async {
        let admission = Admission(limitBytes: 1 << 20)
        let fanIn = FanIn(pipelines: Self.pipelines(admission))
        async let flips: Void = Self.flip(admission, 200_000)
        async let asked = Self.ask(fanIn, 200_000)
        let counts = await asked
        await flips
        #expect(counts.refused + counts.admitted == 200_000)
        #expect(fanIn.precheck(bodyBytes: 1000) == nil, "the budget is free again")
        #expect(admission.inFlightBytes == 0)
    }
}
