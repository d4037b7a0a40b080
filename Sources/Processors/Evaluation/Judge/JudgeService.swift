import CollectorCore
import Crypto
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// One POST to a judge's endpoint, as the runtime makes it (the processors carry no HTTP client).
public protocol JudgeHTTP: Sendable {
    func post(_ url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> JudgeHTTPReply
}

public enum JudgeHTTPReply: Sendable {
    case answered(status: Int, retryAfter: Duration?, body: [UInt8])
    /// No answer: a refused connection, a reset, a timeout.
    case failed(String)
}

/// A processor with work beside its pipeline that feeds new spans in at the pipeline's head (an
/// LLM judge's own spans). The runtime attaches each once the pipeline exists and runs it for the
/// generation's life, stopping it before the pipeline's own stages.
public protocol PipelineFeeder: Sendable {
    func attach(head: any TraceConsumer, http: any JudgeHTTP) -> [any Service]
}

/// One judge evaluator's calls, off the export path: `submit` never waits, a bounded queue takes
/// the jobs, and one dispatcher starts them at most `rate_per_second` apart and `concurrency` at a
/// time. Each verdict goes back into the pipeline as the judge's own span (`JudgeSpan`), which
/// carries the score of its target. A full queue, a spent budget, a failed or malformed answer are
/// each counted in `genai_collector_evaluations_total` and never hold or lose the traces.
public final class JudgeService: Service, Sendable {
    public struct Job: Sendable {
        var prompt: String
        var target: TraceID
        /// nil for a trace score.
        var observation: SpanID?
        var environment: String

        public init(prompt: String, target: TraceID, observation: SpanID?, environment: String) {
            self.prompt = prompt
            self.target = target
            self.observation = observation
            self.environment = environment
        }
    }

    let processor: String
    let name: String
    let judge: Evaluation.Judge
    let counters: Counters
    let logger: Logger
    let clock: any Clock<Duration>
    /// At shutdown: how long calls in flight may still take before they are cancelled (and
    /// counted `shutdown`); the jobs still queued are counted at once.
    let grace: Duration
    /// Wall time in Unix nanoseconds, for the judge's span; and the UTC day, for the budget.
    let now: @Sendable () -> UInt64
    private let jobs: AsyncStream<Job>
    private let input: AsyncStream<Job>.Continuation
    private let state = Mutex(State())
    private let stopping = Atomic<Bool>(false)

    struct State {
        var head: (any TraceConsumer)?
        var http: (any JudgeHTTP)?
        var day = 0
        var spentUSD = 0.0
        var cache: [SHA256Digest: JudgeAnswer] = [:]
        var cacheOrder: [SHA256Digest] = []
        var cacheNext = 0
    }

    public init(
        processor: String, name: String, judge: Evaluation.Judge, counters: Counters, logger: Logger, clock: any Clock<Duration>,
        grace: Duration = .seconds(2), now: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1e9) }
    ) {
        self.processor = processor
        self.name = name
        self.judge = judge
        self.counters = counters
        self.logger = logger
        self.clock = clock
        self.grace = grace
        self.now = now
        (jobs, input) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .bufferingOldest(judge.queueSize))
    }

    public func attach(head: any TraceConsumer, http: any JudgeHTTP) {
        state.withLock {
            $0.head = head
            $0.http = http
        }
    }

    /// Queues a job without waiting; false (and counted) when the queue is full or stopped.
    @discardableResult
    public func submit(_ job: Job) -> Bool {
        switch input.yield(job) {
        case .enqueued: return true
        case .dropped: count("queue_full")
        case .terminated: count("shutdown")
        @unknown default: count("queue_full")
        }
        return false
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.dispatch() }
            group.addTask { await self.stopWhenAsked() }
            // Whichever ends first (the calls drained, or the grace is over) ends the other.
            await group.next()
            group.cancelAll()
        }
    }

    private func stopWhenAsked() async {
        do { try await gracefulShutdown() } catch { return }
        stopping.store(true, ordering: .relaxed)
        input.finish()
        await pause(grace)
    }

    /// Starts each job in its turn: `concurrency` in flight at most, `1/rate_per_second` apart.
    private func dispatch() async {
        let gap = Duration.seconds(1 / judge.ratePerSecond)
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await job in jobs {
                if stopping.load(ordering: .relaxed) {
                    count("shutdown")
                    continue
                }
                if running >= judge.concurrency {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask { await self.handle(job) }
                await pause(gap)
            }
        }
    }

    private func pause(_ d: Duration) async {
        do { try await clock.sleep(for: d) } catch { return }
    }

    func count(_ result: String) {
        counters.add(.evaluations, 1, ["processor": processor, "evaluator": name, "result": result])
    }

    private func countCall(_ outcome: String) {
        counters.add(.judgeCalls, 1, ["processor": processor, "evaluator": name, "outcome": outcome])
    }

    private static func day(_ unixNanos: UInt64) -> Int { Int(unixNanos / 86_400_000_000_000) }

    func handle(_ job: Job) async {
        let digest = SHA256.hash(data: Array(job.prompt.utf8))
        let start = now()
        if let cached = state.withLock({ $0.cache[digest] }) {
            count("cached")
            await emit(job, cached, cost: nil, start: start, cached: true)
            return
        }
        if let budget = judge.dailyBudgetUSD {
            let day = Self.day(start)
            let spent = state.withLock { s -> Double in
                if s.day != day { (s.day, s.spentUSD) = (day, 0) }
                return s.spentUSD
            }
            if spent >= budget {
                count("budget_exhausted")
                return
            }
        }
        guard let http = state.withLock({ $0.http }) else {
            count("not_attached")
            return
        }
        var headers = [("Content-Type", "application/json")]
        if let key = judge.apiKey, !key.isEmpty { headers.append(("Authorization", "Bearer \(key)")) }
        let body = judge.requestBody(prompt: job.prompt)
        var failure = JudgeFailure.unreachable("not tried")
        for attempt in 1...judge.attempts {
            var wait: Duration?
            switch await http.post(judge.endpoint + "/chat/completions", headers: headers, body: body, timeout: judge.timeout) {
            case .answered(let status, _, let reply) where (200..<300).contains(status):
                switch judge.parse(reply) {
                case .success(let answer):
                    countCall("ok")
                    let cost = record(answer, digest)
                    await emit(job, answer, cost: cost, start: start, cached: false)
                    return
                case .failure(let f):
                    countCall(f.reason)
                    failure = f
                }
            case .answered(let status, let retryAfter, let reply):
                let text = String(decoding: reply.prefix(200), as: UTF8.self)
                failure = status == 429 ? .rateLimited("429: \(text)") : .httpError("\(status): \(text)")
                countCall(failure.reason)
                // Rate limits and server errors pass; another client error would not.
                if status == 429 || status >= 500 { wait = retryAfter ?? .seconds(1 << min(attempt - 1, 5)) }
            case .failed(let why):
                failure = .unreachable(why)
                countCall(failure.reason)
                wait = .seconds(1 << min(attempt - 1, 5))
            }
            guard let wait, attempt < judge.attempts, !stopping.load(ordering: .relaxed) else { break }
            await pause(min(wait, .seconds(60)))
        }
        if Task.isCancelled {
            count("shutdown")
            return
        }
        count("judge_\(failure.reason)")
        logger.warning(
            "judge gave no verdict",
            metadata: ["processor": "\(processor)", "evaluator": "\(name)", "reason": "\(failure.reason)", "detail": "\(failure.message)"])
    }

    /// Tokens, cost (priced by the catalog; returned for the judge's span) and the cache.
    private func record(_ answer: JudgeAnswer, _ digest: SHA256Digest) -> Double? {
        let labels = ["processor": processor, "evaluator": name]
        counters.add(.judgeTokens, answer.inputTokens, labels.merging(["type": "input"]) { a, _ in a })
        counters.add(.judgeTokens, answer.outputTokens, labels.merging(["type": "output"]) { a, _ in a })
        let cost = JudgeSpan.cost(model: answer.model ?? judge.model, answer)
        if let cost { counters.add(.judgeCostUSD, cost, labels) }
        let cacheSize = judge.cacheSize
        state.withLock { s in
            s.spentUSD += cost ?? 0
            guard cacheSize > 0 else { return }
            if s.cacheOrder.count < cacheSize {
                s.cacheOrder.append(digest)
            } else {
                s.cache[s.cacheOrder[s.cacheNext]] = nil
                s.cacheOrder[s.cacheNext] = digest
                s.cacheNext = (s.cacheNext + 1) % cacheSize
            }
            s.cache[digest] = answer
        }
        return cost
    }

    /// The verdict into the pipeline, as the judge's span; a pipeline that pushes back is asked
    /// again after its Retry-After, a few times, then the score is counted as refused. `cost`: the
    /// call's, as `record` priced it.
    private func emit(_ job: Job, _ answer: JudgeAnswer, cost: Double?, start: UInt64, cached: Bool) async {
        let batch = JudgeSpan.batch(
            job: job, answer: answer, judge: judge, evaluator: "\(processor)/\(name)", start: start, end: max(now(), start), cost: cost, cached: cached)
        guard let head = state.withLock({ $0.head }) else {
            count("not_attached")
            return
        }
        for _ in 0..<5 {
            switch await head.consume(batch, bodyBytes: batch.bytes.count, reserved: 0) {
            case .accepted:
                if let label = answer.verdict.label, judge.dataType == .boolean { count(label == "true" ? "pass" : "fail") } else { count("scored") }
                return
            case .refused(_, let retryAfter):
                await pause(retryAfter)
            case .unknownTenant:
                count("refused")
                return
            }
        }
        count("refused")
    }
}
