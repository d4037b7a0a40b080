import CollectorCore
import Synchronization

/// The per-trace buffer's state: traces by id, each with the shares of the requests that carried its
/// spans. No clock and no lock: the caller passes the time and holds the lock.
///
/// A trace is released when its root has arrived and no span has come for `wait`; a trace whose root
/// never comes goes `rootWait` after its last span. When over `maxTraces` or `maxBytes`, the trace
/// idle the longest goes early. Released traces carry their share of each request's admitted cost,
/// so the memory budget is given back only once the last piece of a request has been exported.
public struct TraceBuffer {
    public struct Limits: Sendable, Equatable {
        public var wait: Duration
        public var rootWait: Duration
        public var maxTraces: Int
        public var maxBytes: Int

        public init(wait: Duration, rootWait: Duration, maxTraces: Int, maxBytes: Int) {
            self.wait = wait
            self.rootWait = rootWait
            self.maxTraces = maxTraces
            self.maxBytes = maxBytes
        }
    }

    /// Why a trace left the buffer (the `reason` label).
    public enum Reason: String, Sendable, CaseIterable {
        /// Its root arrived and it was quiet for `wait_duration`.
        case complete
        /// No root came; quiet for `root_wait`.
        case noRoot = "no_root"
        /// Released early to stay within `num_traces` or the byte bound.
        case evictedTraces = "evicted_traces"
        case evictedBytes = "evicted_bytes"
        /// The pipeline stopped (shutdown or a config reload).
        case flushed
    }

    public struct Released: Sendable {
        public var trace: TraceID
        /// The trace's spans, one share per request that carried some, in arrival order.
        public var parts: [TraceBatch]
        public var cost: Int
        public var spans: Int
        public var reason: Reason
        /// Durable mode: the journal records its shares came from.
        public var sources: [Source] = []
    }

    /// A journal record (durable mode): acknowledged once every trace with spans in it has been
    /// passed on, whatever order they go in.
    public final class Source: Sendable {
        public let seq: UInt64
        private let unsent: Atomic<Int>

        init(seq: UInt64, shares: Int) {
            self.seq = seq
            unsent = Atomic(shares)
        }

        /// One share of the record is safely passed on; true when it was the last.
        public func shareDone() -> Bool { unsent.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 }
    }

    /// A request's memory, held until every trace that has spans in it is released.
    final class HeldRequest {
        let bytes: Int
        var shares: Int
        init(bytes: Int, shares: Int) {
            self.bytes = bytes
            self.shares = shares
        }
    }

    /// One trace in the buffer: its shares, the requests they keep alive, and when it last grew.
    struct HeldTrace {
        var parts: [TraceBatch] = []
        var holdings: [HeldRequest] = []
        var sources: [Source] = []
        var cost = 0
        var spans = 0
        /// Bytes of this trace's own span tables (the shares' copies), beyond its requests'.
        var ownBytes = 0
        var hasRoot = false
        var last: Duration = .zero
        var stamp: UInt64 = 0
    }

    /// Traces by last arrival, oldest first; an entry whose stamp no longer matches is stale and skipped.
    struct Idle {
        var items: [(trace: TraceID, stamp: UInt64)] = []
        var head = 0
        var count: Int { items.count - head }
        mutating func push(_ trace: TraceID, _ stamp: UInt64) { items.append((trace, stamp)) }
        var first: (trace: TraceID, stamp: UInt64)? { head < items.count ? items[head] : nil }
        mutating func pop() {
            head += 1
            if head > 1024 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
        }
    }

    public let limits: Limits
    private var traces: [TraceID: HeldTrace] = [:]
    /// `idle[rooted]` and `idle[rootless]`: traces whose root has arrived, and those still without.
    private var idle = [Idle(), Idle()]
    private let rooted = 0, rootless = 1
    private var stamp: UInt64 = 0
    /// Requests' bytes and tables while any of their spans is held, plus the traces' own tables.
    public private(set) var bytes = 0
    public private(set) var spans = 0
    public var count: Int { traces.count }

    static let idleEntryBytes = MemoryLayout<(TraceID, UInt64)>.stride
    static let entryBytes = MemoryLayout<TraceID>.stride + MemoryLayout<HeldTrace>.stride + 64

    public init(limits: Limits) {
        self.limits = limits
    }

    /// Takes a request's spans (all of them: a span with a zero trace id is a trace of its own) and
    /// returns what must leave now to stay within the bounds. `seq`: its journal record (durable mode).
    public mutating func add(_ batch: TraceBatch, cost: Int, now: Duration, seq: UInt64? = nil) -> [Released] {
        let shares = batch.splitByTrace()
        guard !shares.isEmpty else { return [] }
        let holding = HeldRequest(bytes: batch.bytes.count + batch.tableBytes, shares: shares.count)
        let source = seq.map { Source(seq: $0, shares: shares.count) }
        bytes += holding.bytes
        var costLeft = cost
        for (i, share) in shares.enumerated() {
            let n = share.batch.spans.count
            // Each share carries the request's cost in proportion to its spans; the last takes the rest.
            let c = i == shares.count - 1 ? costLeft : cost * n / batch.spans.count
            costLeft -= c
            let own = shares.count == 1 ? 0 : n * TraceBatch.EntrySize.span + share.batch.scopes.count * TraceBatch.EntrySize.scope
            stamp += 1
            var e = traces.removeValue(forKey: share.trace) ?? HeldTrace()
            if e.parts.isEmpty { bytes += Self.entryBytes }
            e.parts.append(share.batch)
            e.holdings.append(holding)
            if let source { e.sources.append(source) }
            e.cost += c
            e.spans += n
            e.ownBytes += own
            e.hasRoot = e.hasRoot || share.batch.spans.contains { $0.parentSpanID == nil }
            e.last = now
            e.stamp = stamp
            traces[share.trace] = e
            idle[e.hasRoot ? rooted : rootless].push(share.trace, stamp)
            bytes += own + Self.idleEntryBytes
            spans += n
        }
        var out: [Released] = []
        while traces.count > limits.maxTraces, let r = evictOldest(.evictedTraces) { out.append(r) }
        while bytes > limits.maxBytes, !traces.isEmpty, let r = evictOldest(.evictedBytes) { out.append(r) }
        return out
    }

    /// The traces whose wait is over at `now`.
    public mutating func due(now: Duration) -> [Released] {
        var out: [Released] = []
        while let r = popDue(rooted, wait: limits.wait, now: now, reason: .complete) { out.append(r) }
        while let r = popDue(rootless, wait: limits.rootWait, now: now, reason: .noRoot) { out.append(r) }
        return out
    }

    /// When the next trace falls due (nil: nothing held).
    public mutating func nextDue() -> Duration? {
        let a = liveHead(rooted).map { $0.last + limits.wait }
        let b = liveHead(rootless).map { $0.last + limits.rootWait }
        switch (a, b) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        default: return nil
        }
    }

    /// Everything held, oldest first.
    public mutating func drain() -> [Released] {
        var out: [Released] = []
        while let r = evictOldest(.flushed) { out.append(r) }
        return out
    }

    /// The live entry at the head of `idle`, stale heads dropped.
    private mutating func liveHead(_ q: Int) -> HeldTrace? {
        while let (trace, s) = idle[q].first {
            if let e = traces[trace], e.stamp == s { return e }
            idle[q].pop()
            bytes -= Self.idleEntryBytes
        }
        return nil
    }

    private mutating func popDue(_ q: Int, wait: Duration, now: Duration, reason: Reason) -> Released? {
        guard let e = liveHead(q), now >= e.last + wait else { return nil }
        return release(q, reason)
    }

    /// The trace idle the longest, whether or not its root has come.
    private mutating func evictOldest(_ reason: Reason) -> Released? {
        switch (liveHead(rooted), liveHead(rootless)) {
        case (let a?, let b?): return release(a.stamp < b.stamp ? rooted : rootless, reason)
        case (_?, nil): return release(rooted, reason)
        case (nil, _?): return release(rootless, reason)
        default: return nil
        }
    }

    /// Releases the live trace at the head of `idle[q]` (the caller has just found it with `liveHead`).
    private mutating func release(_ q: Int, _ reason: Reason) -> Released? {
        guard let (trace, _) = idle[q].first else { return nil }
        idle[q].pop()
        bytes -= Self.idleEntryBytes
        guard let e = traces.removeValue(forKey: trace) else { return nil }
        for h in e.holdings {
            h.shares -= 1
            if h.shares == 0 { bytes -= h.bytes }
        }
        bytes -= e.ownBytes + Self.entryBytes
        spans -= e.spans
        return Released(trace: trace, parts: e.parts, cost: e.cost, spans: e.spans, reason: reason, sources: e.sources)
    }
}
