@testable import CollectorRuntime
import Processors
import Testing

/// The memory limiter's budget: reservations succeed only while everything held stays under the
/// limit, exactly; releases give room back; racing reservers never pass it together.
@Suite(.timeLimit(.minutes(5)))
struct AdmissionTests {
    @Test func reservationsStopAtTheLimit() {
        let a = Admission(limitBytes: 100)
        #expect(a.tryReserve(60))
        #expect(!a.tryReserve(41))
        #expect(a.tryReserve(40))
        #expect(a.inFlightBytes == 100)
        #expect(!a.tryReserve(1) && !a.wouldAdmit(1))
        a.release(60)
        #expect(a.wouldAdmit(60) && !a.wouldAdmit(61))
        #expect(a.tryReserve(60) && a.inFlightBytes == 100)
    }

    @Test func concurrentReserversNeverPassTheLimit() async {
        let a = Admission(limitBytes: 1000)
        let granted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<1000).filter { _ in a.tryReserve(7) }.count }
            }
            return await group.reduce(0, +)
        }
        #expect(granted == 1000 / 7)
        #expect(a.inFlightBytes == 1000 / 7 * 7)
    }
}
