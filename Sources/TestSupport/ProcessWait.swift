import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Process {
    /// Waits for the child to exit without `waitUntilExit`'s busy loop: on Linux that spins the run
    /// loop of a thread with no sources, burning a core until the child exits (a profile of the test
    /// suite found seconds of it on the task pool). The exit is still learnt by Foundation's own
    /// monitor, so this never races its reaping.
    public func waitForExit() {
        while isRunning { usleep(2_000) }
    }
}
