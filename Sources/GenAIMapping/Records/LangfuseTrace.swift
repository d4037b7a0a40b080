import CollectorCore

/// A Langfuse trace record made from one span of the trace.
public struct LangfuseTrace: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// From a root span: every field.
        case full
        /// From a child span that carries trace-level attributes.
        case update
        /// From a child span of a trace not otherwise seen in this batch: id, timestamp, environment.
        case minimal
    }

    public var kind: Kind
    public var id: TraceID
    /// The span the record came from; it makes the ingestion event id stable across re-sends.
    public var sourceSpanID: SpanID
    public var timestampUnixNano: UInt64
    public var name: String?
    public var userID: String?
    public var sessionID: String?
    public var tags: [String]?
    public var isPublic: Bool?
    public var release: String?
    public var version: String?
    public var input: RecordValue?
    public var output: RecordValue?
    public var metadata: [RecordMember]?
    public var environment: String

    public init(kind: Kind, id: TraceID, sourceSpanID: SpanID, timestampUnixNano: UInt64, environment: String) {
        self.kind = kind
        self.id = id
        self.sourceSpanID = sourceSpanID
        self.timestampUnixNano = timestampUnixNano
        self.environment = environment
    }
}

/// The translator's output for one batch: shared by every exporter that needs Langfuse records.
public struct LangfuseRecords: Sendable, Equatable {
    /// The batch the records refer into (shared, not copied).
    public let batch: TraceBatch
    public var traces: [LangfuseTrace] = []
    public var observations: [LangfuseObservation] = []
    /// Scores from `gen_ai.evaluation.result` events on the observations.
    public var scores: [LangfuseScore] = []

    public init(batch: TraceBatch) {
        self.batch = batch
    }
}
