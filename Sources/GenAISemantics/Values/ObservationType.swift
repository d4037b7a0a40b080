import CollectorCore

/// Langfuse observation types, with the ingestion event type each one is sent as.
public enum ObservationType: String, Sendable, CaseIterable {
    case span = "SPAN"
    case generation = "GENERATION"
    case event = "EVENT"
    case agent = "AGENT"
    case tool = "TOOL"
    case chain = "CHAIN"
    case retriever = "RETRIEVER"
    case evaluator = "EVALUATOR"
    case embedding = "EMBEDDING"
    case guardrail = "GUARDRAIL"

    /// `span-create`, `generation-create`, `agent-create` ...
    public var ingestionEventType: String { rawValue.lowercased() + "-create" }

    /// Langfuse's legacy span and event schemas drop model, usage, cost and prompt fields.
    public var carriesGenerationFields: Bool { self != .span && self != .event }
}

public enum ObservationLevel: String, Sendable {
    case debug = "DEBUG"
    case `default` = "DEFAULT"
    case warning = "WARNING"
    case error = "ERROR"
}
