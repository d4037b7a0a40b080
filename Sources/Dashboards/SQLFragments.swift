/// The pieces every dashboard query shares, spelled once: windows, deduplicated tables, Langfuse's
/// formulas (generation-like types, input/output by key substring, `total`, latency), the agent and
/// stage keys in each schema.
enum SQL {
    /// Langfuse's generation-like types (its model-cost and usage cards filter on these).
    static let generationLike = "('GENERATION', 'AGENT', 'TOOL', 'CHAIN', 'RETRIEVER', 'EVALUATOR', 'EMBEDDING', 'GUARDRAIL')"
    static let project = "project_id = {project:String}"
    static let from = "{from:DateTime64(3)}"
    static let to = "{to:DateTime64(3)}"
    /// Observations (v3) and events (v4) by their start; traces (v3) and scores by their timestamp.
    static let startWindow = "\(project) AND start_time >= \(from) AND start_time < \(to)"
    static let traceWindow = "\(project) AND timestamp >= \(from) AND timestamp < \(to)"
    /// ReplacingMergeTree tables read deduplicated (and without deleted rows), as Langfuse's dashboards do.
    static let observations = "observations FINAL"
    static let traces = "traces FINAL"
    static let events = "events_full FINAL"
    static let scores = "scores FINAL"
    /// v4 rows of root spans: one per trace.
    static let root = "parent_span_id = ''"

    /// Tokens: keys containing `input` / `output` (any case) summed, and the `total` key.
    static func input(_ map: String = "usage_details") -> String {
        "arraySum(mapValues(mapFilter((k, v) -> positionCaseInsensitive(k, 'input') > 0, \(map))))"
    }
    static func output(_ map: String = "usage_details") -> String {
        "arraySum(mapValues(mapFilter((k, v) -> positionCaseInsensitive(k, 'output') > 0, \(map))))"
    }
    static let total = "usage_details['total']"
    /// USD as a plain number (the columns are Decimal), rounded past any price's precision.
    static func usd(_ sum: String) -> String { "round(toFloat64(\(sum)), 10)" }
    static let cost = "coalesce(total_cost, 0)"
    static let latency = "dateDiff('millisecond', start_time, end_time)"
    static let firstToken = "dateDiff('millisecond', start_time, completion_start_time)"
    /// Earliest start to latest end of a group of observations (Langfuse's trace latency).
    static let span = "dateDiff('millisecond', min(start_time), max(coalesce(end_time, start_time)))"

    /// The metadata keys `agent_attribution` writes, in each schema.
    static func metadata3(_ key: String) -> String { "metadata['\(key)']" }
    static func metadata4(_ key: String) -> String { "metadata_values[indexOf(metadata_names, '\(key)')]" }
    static func orNone(_ e: String) -> String { "if(\(e) = '', '(none)', \(e))" }
}
