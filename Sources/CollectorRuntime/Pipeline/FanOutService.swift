import CollectorCore
import CollectorQueue
import ExporterHelper
import ComponentModel
import Processors
import ServiceLifecycle

/// Runs a pipeline's fan-out stage: `workers` tasks (one per core, so translation is not held to
/// one core; batches may then reach exporters out of order) take flushed batches until the batcher
/// upstream has flushed and closed the hand-off, then the stage ends (so exporter queues drain after it).
struct FanOutService: Service {
    let handoff: Handoff
    let fanOut: FanOut
    let workers: Int

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for _ in 0..<max(1, workers) {
                group.addTask {
                    while let (parts, cost) = await handoff.take() {
                        fanOut.deliver(parts, cost: cost)
                    }
                }
            }
        }
        // The hand-off closes while the batcher upstream is being shut down; this stage returns on
        // its own turn, since a service that ends before its turn fails the group.
        try? await gracefulShutdown()
    }
}
