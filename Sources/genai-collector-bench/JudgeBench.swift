import CollectorCore
import CollectorRuntime
import Foundation
import Logging
import Processors
import ServiceLifecycle
import Synchronization

/// `--judge URL JOBS CONCURRENCY RATE DELAY_MS`: an LLM judge's throughput under its limits, against
/// a judge that takes DELAY_MS per answer (`scripts/fake_judge_server.py --delay-ms`; run by
/// `scripts/judge-bench.sh`). JOBS distinct prompts are queued at once; the figure is verdicts per
/// second beside the ceiling the limits set, min(CONCURRENCY / delay, RATE), and the collector's CPU
/// per verdict (the request, the answer, the judge's span), all through the real HTTP client.
enum JudgeBench {
    /// Counts the judge's spans as the pipeline's head would take them.
    final class Head: TraceConsumer {
        let taken = Atomic<Int>(0)
        func consume(_ batch: TraceBatch, bodyBytes: Int, reserved: Int) async -> ConsumeOutcome {
            taken.add(1, ordering: .relaxed)
            return .accepted
        }
    }

    static func run(url: String, jobs: Int, concurrency: Int, rate: Double, delayMS: Double) async throws {
        let judge = Evaluation.Judge(
            endpoint: url, model: "gpt-4o-mini", prompt: "Q: {{input}} A: {{output}}", min: 0, max: 1, concurrency: concurrency, ratePerSecond: rate,
            queueSize: jobs, cacheSize: 0)
        let counters = Counters()
        let logger = Logger(label: "judge-bench")
        let service = JudgeService(processor: "bench", name: "relevance", judge: judge, counters: counters, logger: logger, clock: ContinuousClock())
        let head = Head()
        service.attach(head: head, http: JudgeHTTPClient())
        for i in 0..<jobs {
            service.submit(
                .init(
                    prompt: "Q: question \(i) A: answer \(i)", target: TraceID(high: 1, low: UInt64(i + 1)), observation: SpanID(UInt64(i + 1)),
                    environment: "default"))
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
        let cpu0 = cpuSeconds()
        let start = ContinuousClock.now
        var elapsed = Duration.zero
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while head.taken.load(ordering: .relaxed)
                + counters.value(.evaluations, ["processor": "bench", "evaluator": "relevance", "result": "judge_unreachable"]) < jobs
            {
                try await Task.sleep(for: .milliseconds(20))
            }
            elapsed = ContinuousClock.now - start
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let cpu = cpuSeconds() - cpu0
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let verdicts = head.taken.load(ordering: .relaxed)
        let ceiling = min(Double(concurrency) * 1000 / delayMS, rate)
        let perSecond = Double(verdicts) / seconds
        print(
            String(
                format:
                    "judge: %d verdicts of %d jobs in %.2f s: %.1f verdicts/s; ceiling min(%d / %.0f ms, %.0f/s) = %.1f/s; %.2f of it; %.0f µs CPU per verdict",
                verdicts, jobs, seconds, perSecond, concurrency, delayMS, rate, ceiling, perSecond / ceiling, cpu / Double(max(verdicts, 1)) * 1e6))
    }

    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }
}
