import CollectorCore
import GenAISemantics

/// One Langfuse score, made from a `gen_ai.evaluation.result` event on the observation it scores.
/// Its id is derived from trace, observation and name, so a re-sent span does not score twice.
public struct LangfuseScore: Sendable, Equatable {
    public enum DataType: String, Sendable {
        case numeric = "NUMERIC", categorical = "CATEGORICAL", boolean = "BOOLEAN"
    }

    public var id: String
    public var traceID: TraceID
    public var observationID: SpanID?
    public var name: String
    /// The number for NUMERIC, 1 or 0 for BOOLEAN, 0 for CATEGORICAL (no score config to map it).
    public var value: Double
    /// The label, for CATEGORICAL; `True`/`False` for BOOLEAN.
    public var stringValue: String?
    public var dataType: DataType
    public var comment: String?
    /// Where it came from: `API` (an instrumentation's own) or `EVAL` (an evaluator's).
    public var source: String
    public var environment: String
    public var timestampUnixNano: UInt64
    /// A label that came beside a numeric value; the evaluator that wrote it (`evaluator_id`).
    public var metadata: [JSONMember]
    /// The judge's own trace, for a judge's verdict.
    public var executionTraceID: TraceID?

    /// The mapping of an evaluation event: a value makes a NUMERIC score (its label, if any, kept
    /// in metadata); a label alone makes a BOOLEAN score when it reads true or false, else a
    /// CATEGORICAL one.
    /// An evaluator's score (`e.source`) keeps its source and names the evaluator in metadata
    /// (`evaluator_id`, as Langfuse's own evaluators do); a trace-level one has no observation.
    public init(_ e: EvaluationFacts, trace: TraceID, observation: SpanID?, environment: String) {
        let observation = e.traceLevel ? nil : observation
        id = Self.id(trace: trace, observation: observation, name: e.name)
        traceID = trace
        observationID = observation
        name = e.name
        comment = e.explanation
        source = e.source ?? "API"
        self.environment = environment
        timestampUnixNano = e.timeUnixNano
        metadata = e.evaluator.map { [JSONMember("evaluator_id", .string($0))] } ?? []
        if let target = e.targetTrace {
            // A judge's verdict: on its target, from the judge's trace (`execution_trace_id`).
            let scored = e.traceLevel ? nil : e.targetObservation
            id = Self.id(trace: target, observation: scored, name: e.name)
            executionTraceID = trace
            traceID = target
            observationID = scored
            self.environment = e.targetEnvironment ?? environment
            metadata.append(JSONMember("target_trace_id", .string(target.hex)))
            if let scored { metadata.append(JSONMember("target_observation_id", .string(scored.hex))) }
        }
        if let v = e.value {
            value = v
            dataType = .numeric
            if let label = e.label { metadata.append(JSONMember("label", .string(label))) }
        } else {
            let label = e.label ?? ""
            switch label.lowercased() {
            case "true":
                (value, stringValue, dataType) = (1, "True", .boolean)
            case "false":
                (value, stringValue, dataType) = (0, "False", .boolean)
            default:
                (value, stringValue, dataType) = (0, label, .categorical)
            }
        }
    }

    /// FNV-1a 64 of the name, with its top byte cleared for the kind marker.
    static func nameHash(_ name: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in name.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h & 0x00FF_FFFF_FFFF_FFFF
    }

    /// UUID-shaped, from the trace, the observation and the name: the same score always gets the
    /// same id, and Langfuse and ClickHouse keep one.
    public static func id(trace: TraceID, observation: SpanID?, name: String) -> String {
        let (hi, lo) = EventID.words(trace, observation ?? .zero, kind: nameHash(name) | 0x5C00_0000_0000_0000)
        return Hex.uuid(hi, lo)
    }
}
