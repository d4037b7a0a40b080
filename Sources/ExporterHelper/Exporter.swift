import CollectorCore
import CollectorQueue
import GenAIMapping
import Synchronization

/// Why an export failed, whether sending the same data again may succeed, and the error beneath it.
public struct ExportFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Worth retrying (network, 5xx, 429, a full disk that may drain).
        case retryable
        /// Retrying cannot help (bad data, 4xx, a config the peer refuses).
        case permanent
    }

    public let kind: Kind
    public let message: String
    /// When the peer said when to come back.
    public let retryAfter: Duration?
    /// The error that caused it (a connection error, a file error), kept for whoever inspects it;
    /// `message` already says what it means here.
    public let cause: (any Error)?

    public static func retryable(_ message: String, retryAfter: Duration? = nil, cause: (any Error)? = nil) -> ExportFailure {
        ExportFailure(kind: .retryable, message: message, retryAfter: retryAfter, cause: cause)
    }

    public static func permanent(_ message: String, cause: (any Error)? = nil) -> ExportFailure {
        ExportFailure(kind: .permanent, message: message, retryAfter: nil, cause: cause)
    }

    public var isPermanent: Bool { kind == .permanent }

    public var description: String {
        switch kind {
        case .retryable: return "retryable: \(message)" + (retryAfter.map { " (retry after \($0))" } ?? "")
        case .permanent: return "permanent: \(message)"
        }
    }

    /// The cause takes no part: two failures are equal when they mean the same to the queue.
    public static func == (a: ExportFailure, b: ExportFailure) -> Bool {
        a.kind == b.kind && a.message == b.message && a.retryAfter == b.retryAfter
    }
}

extension ExportFailure {
    /// The HTTP sinks' rule: 408, 429 and 5xx may succeed later, any other status will not. (OTLP/HTTP
    /// keeps its specification's own list, 429/502/503/504.)
    public static func isRetryable(httpStatus status: Int) -> Bool {
        status == 408 || status == 429 || status >= 500
    }

    /// The same failure, its message prefixed with what was being done.
    public func context(_ doing: String) -> ExportFailure {
        ExportFailure(kind: kind, message: "\(doing): \(message)", retryAfter: retryAfter, cause: cause)
    }

    /// A failed HTTP answer, classified by `isRetryable(httpStatus:)`.
    public static func http(_ status: UInt, _ summary: String, retryAfter: Duration? = nil) -> ExportFailure {
        isRetryable(httpStatus: Int(status)) ? .retryable(summary, retryAfter: retryAfter) : .permanent(summary)
    }
}

/// One batch on its way out: its requests as they arrived (the batch stage hands them on unmerged,
/// so no span's bytes are copied), and the Langfuse records translated once, one per part, for every
/// exporter that needs them.
public struct ExportItem: Sendable {
    public var parts: [TraceBatch]
    /// Parallel to `parts`.
    public var records: [LangfuseRecords]?
    /// Completed once by the queue whatever happens to the item (sent, failed or dropped).
    public var lease: Lease?
    /// Spans, log records or data points (every part is of one signal).
    public let spanCount: Int
    public let signal: Signal

    public init(parts: [TraceBatch], records: [LangfuseRecords]?, lease: Lease? = nil) {
        self.parts = parts
        self.records = records
        self.lease = lease
        signal = parts.first?.signal ?? .traces
        spanCount = parts.reduce(0) { $0 + $1.itemCount }
    }

    public init(batch: TraceBatch, records: LangfuseRecords?, lease: Lease? = nil) {
        self.init(parts: [batch], records: records.map { [$0] }, lease: lease)
    }
}

/// Shared by the copies of one batch sent to several exporters: when the last holder is done,
/// `onRelease` runs (the pipeline frees the batch's admitted memory), told whether any holder
/// dropped its copy rather than delivering it.
public final class Lease: Sendable {
    private let remaining: Atomic<Int>
    private let anyDropped = Atomic(false)
    private let onRelease: @Sendable (_ dropped: Bool) -> Void

    public init(holders: Int, onRelease: @escaping @Sendable () -> Void) {
        remaining = Atomic(holders)
        self.onRelease = { _ in onRelease() }
        if holders <= 0 { onRelease() }
    }

    public init(holders: Int, onRelease: @escaping @Sendable (_ dropped: Bool) -> Void) {
        remaining = Atomic(holders)
        self.onRelease = onRelease
        if holders <= 0 { onRelease(false) }
    }

    /// One more holder, taken by one that holds it already (a router splitting its item further).
    public func retain() {
        remaining.add(1, ordering: .relaxed)
    }

    /// `dropped`: this holder gave its copy up (counted where it did) instead of delivering it.
    public func done(dropped: Bool = false) {
        if dropped { anyDropped.store(true, ordering: .relaxed) }
        if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { onRelease(anyDropped.load(ordering: .acquiring)) }
    }
}

/// Takes batches to send later: a sending queue, or a router that hands each part to one.
public protocol ExportItemSink: Sendable {
    /// False when refused; the refusal is counted as a drop by whoever refused.
    @discardableResult func offer(_ item: ExportItem) -> Bool
}

/// An exporter only encodes and sends; queueing, retry and timeouts are the `ExporterQueue`'s.
public protocol Exporter: Sendable {
    var id: String { get }
    /// Whether the exporter reads `ExportItem.records` (so the pipeline translates the batch).
    var needsRecords: Bool { get }
    func export(_ item: ExportItem) async throws(ExportFailure)
    /// How long `export` may hold an item before writing it (an exporter that gathers several
    /// batches into one object); the queue adds it to the per-attempt timeout.
    var holdLimit: Duration { get }
    /// Shutdown has begun: write what `export` holds now instead of waiting for `holdLimit`.
    func flushHeld() async
    /// Flushes and releases resources; called once after the queue has drained. `run` returns after it.
    func shutdown() async
    /// Work the exporter does in the background while it sends (connections, timers): the sending
    /// queue runs it in its own task group, from start until after `shutdown`.
    func run() async
}

extension Exporter {
    public func run() async {}
    public var holdLimit: Duration { .zero }
    public func flushHeld() async {}
}
