import CollectorCore

/// Every attribute key the collector reads or writes, spelled once. The raw value is the key.
/// Grouped by the convention that defines it; the mapping rules refer to these cases only.
public enum AttributeKey: String, CaseIterable, Sendable {
    // What the collector's own processors write (cost_inference).
    case collectorCostModel = "genai_collector.cost.model"
    case collectorCostTier = "genai_collector.cost.tier"
    case collectorCostModelID = "genai_collector.cost.model_id"
    case collectorCostTierID = "genai_collector.cost.tier_id"
    // agent_attribution: this span's usage and cost repeat its descendants' (an aggregate).
    case collectorUsageAggregate = "genai_collector.usage.aggregate"
    // evaluation: on a `gen_ai.evaluation.result` event an evaluator added, its source (`EVAL`),
    // scope (`trace` for a score of the whole trace) and which evaluator it was.
    case collectorEvaluationSource = "genai_collector.evaluation.source"
    case collectorEvaluationScope = "genai_collector.evaluation.scope"
    case collectorEvaluationEvaluator = "genai_collector.evaluation.evaluator"
    // A judge's verdict rides on the judge's own span: the score belongs to this target.
    case collectorEvaluationTargetTrace = "genai_collector.evaluation.target.trace_id"
    case collectorEvaluationTargetObservation = "genai_collector.evaluation.target.observation_id"
    case collectorEvaluationTargetEnvironment = "genai_collector.evaluation.target.environment"

    // Langfuse's own keys (they win over every heuristic in Langfuse's mapping).
    case langfuseObservationType = "langfuse.observation.type"
    case langfuseObservationInput = "langfuse.observation.input"
    case langfuseObservationOutput = "langfuse.observation.output"
    case langfuseObservationModelName = "langfuse.observation.model.name"
    case langfuseObservationModelParameters = "langfuse.observation.model.parameters"
    case langfuseObservationUsageDetails = "langfuse.observation.usage_details"
    case langfuseObservationCostDetails = "langfuse.observation.cost_details"
    case langfuseObservationCompletionStartTime = "langfuse.observation.completion_start_time"
    case langfuseObservationLevel = "langfuse.observation.level"
    case langfuseObservationStatusMessage = "langfuse.observation.status_message"
    case langfuseObservationMetadata = "langfuse.observation.metadata"
    case langfuseObservationPromptName = "langfuse.observation.prompt.name"
    case langfuseObservationPromptVersion = "langfuse.observation.prompt.version"
    case langfusePromptName = "langfuse.prompt.name"
    case langfusePromptVersion = "langfuse.prompt.version"
    case langfuseTraceName = "langfuse.trace.name"
    case langfuseTraceInput = "langfuse.trace.input"
    case langfuseTraceOutput = "langfuse.trace.output"
    case langfuseTraceTags = "langfuse.trace.tags"
    case langfuseTracePublic = "langfuse.trace.public"
    case langfuseTraceMetadata = "langfuse.trace.metadata"
    case langfuseUserID = "langfuse.user.id"
    case langfuseSessionID = "langfuse.session.id"
    case langfuseTags = "langfuse.tags"
    case langfusePublic = "langfuse.public"
    case langfuseMetadata = "langfuse.metadata"
    case langfuseRelease = "langfuse.release"
    case langfuseVersion = "langfuse.version"
    case langfuseEnvironment = "langfuse.environment"
    case langfuseInternalAsRoot = "langfuse.internal.as_root"
    case langfuseInternalIsAppRoot = "langfuse.internal.is_app_root"

    // Generic identity keys.
    case userID = "user.id"
    case sessionID = "session.id"
    case tagTags = "tag.tags"

    // OpenTelemetry GenAI semantic conventions (current and deprecated spellings).
    case genAIOperationName = "gen_ai.operation.name"
    case genAISystem = "gen_ai.system"
    case genAIProviderName = "gen_ai.provider.name"
    case genAIConversationID = "gen_ai.conversation.id"
    case genAIAgentName = "gen_ai.agent.name"
    case genAIEvaluationName = "gen_ai.evaluation.name"
    case genAIEvaluationScoreValue = "gen_ai.evaluation.score.value"
    case genAIEvaluationScoreLabel = "gen_ai.evaluation.score.label"
    case genAIEvaluationExplanation = "gen_ai.evaluation.explanation"
    case genAIRequestModel = "gen_ai.request.model"
    case genAIResponseModel = "gen_ai.response.model"
    case genAIRequestMaxTokens = "gen_ai.request.max_tokens"
    case genAIRequestTemperature = "gen_ai.request.temperature"
    case genAIRequestServiceTier = "gen_ai.request.service_tier"
    case genAIResponseFinishReasons = "gen_ai.response.finish_reasons"
    case genAIResponseTimeToFirstChunk = "gen_ai.response.time_to_first_chunk"
    case genAIFinishReasonLegacy = "gen_ai.finishReason"
    case genAIToolName = "gen_ai.tool.name"
    case genAIToolCallID = "gen_ai.tool.call.id"
    case genAIToolCallArguments = "gen_ai.tool.call.arguments"
    case genAIToolCallResult = "gen_ai.tool.call.result"
    case genAIToolDefinitions = "gen_ai.tool.definitions"
    case genAIInputMessages = "gen_ai.input.messages"
    case genAIOutputMessages = "gen_ai.output.messages"
    case genAISystemInstructions = "gen_ai.system_instructions"
    case genAIUsageCost = "gen_ai.usage.cost"
    case genAIUsagePromptTokens = "gen_ai.usage.prompt_tokens"
    case genAIUsageInputTokens = "gen_ai.usage.input_tokens"
    case genAIUsageCompletionTokens = "gen_ai.usage.completion_tokens"
    case genAIUsageOutputTokens = "gen_ai.usage.output_tokens"
    case genAIPrompt = "gen_ai.prompt"
    case genAICompletion = "gen_ai.completion"

    // OpenInference.
    case openInferenceSpanKind = "openinference.span.kind"
    case openInferenceAgentName = "agent.name"
    case inputValue = "input.value"
    case outputValue = "output.value"
    case llmModelName = "llm.model_name"
    case llmResponseModel = "llm.response.model"
    case llmInvocationParameters = "llm.invocation_parameters"
    case llmCostTotal = "llm.cost.total"
    case embeddingModelName = "embedding.model_name"

    // Vercel AI SDK.
    case operationName = "operation.name"
    case aiOperationID = "ai.operationId"
    case aiModelID = "ai.model.id"
    case aiModelProvider = "ai.model.provider"
    case aiPrompt = "ai.prompt"
    case aiPromptMessages = "ai.prompt.messages"
    case aiPromptTools = "ai.prompt.tools"
    case aiPromptToolChoice = "ai.prompt.toolChoice"
    case aiToolCallName = "ai.toolCall.name"
    case aiToolCallArgs = "ai.toolCall.args"
    case aiToolCallResult = "ai.toolCall.result"
    case aiResponseText = "ai.response.text"
    case aiResponseToolCalls = "ai.response.toolCalls"
    case aiResponseObject = "ai.response.object"
    case aiResultText = "ai.result.text"
    case aiResultObject = "ai.result.object"
    case aiResultToolCalls = "ai.result.toolCalls"
    case aiUsageTokens = "ai.usage.tokens"
    case aiUsageCachedInputTokens = "ai.usage.cachedInputTokens"
    case aiUsageReasoningTokens = "ai.usage.reasoningTokens"
    case aiResponseProviderMetadata = "ai.response.providerMetadata"
    case aiTelemetryFunctionID = "ai.telemetry.functionId"
    case aiSettingsMaxSteps = "ai.settings.maxSteps"
    case aiSettingsMaxRetries = "ai.settings.maxRetries"
    case aiSettingsMode = "ai.settings.mode"
    case aiResponseMsToFirstChunk = "ai.response.msToFirstChunk"
    case aiStreamMsToFirstChunk = "ai.stream.msToFirstChunk"

    // Genkit.
    case genkitSubtype = "genkit:metadata:subtype"
    case genkitName = "genkit:name"
    case genkitInput = "genkit:input"
    case genkitOutput = "genkit:output"

    // Flue.
    case flueToolName = "flue.tool.name"
    case flueToolCallID = "flue.tool.call_id"
    case flueTaskID = "flue.task.id"
    case flueTaskAgent = "flue.task.agent"
    case flueTurnInput = "flue.turn.input"
    case flueToolArguments = "flue.tool.arguments"
    case flueTaskPrompt = "flue.task.prompt"
    case flueWorkflowPayload = "flue.workflow.payload"
    case flueTurnOutput = "flue.turn.output"
    case flueToolResult = "flue.tool.result"
    case flueTaskResult = "flue.task.result"
    case flueOperationResult = "flue.operation.result"
    case flueWorkflowResult = "flue.workflow.result"

    // LiveKit agents.
    case livekitInputText = "lk.input_text"
    case livekitUserTranscript = "lk.user_transcript"
    case livekitChatContext = "lk.chat_ctx"
    case livekitUserInput = "lk.user_input"
    case livekitFunctionToolOutput = "lk.function_tool.output"
    case livekitResponseText = "lk.response.text"

    // Google ADK.
    case adkLLMRequest = "gcp.vertex.agent.llm_request"
    case adkLLMResponse = "gcp.vertex.agent.llm_response"
    case adkToolCallArgs = "gcp.vertex.agent.tool_call_args"
    case adkToolResponse = "gcp.vertex.agent.tool_response"

    // Logfire and Pydantic AI.
    case logfirePrompt = "prompt"
    case logfireAllMessagesEvents = "all_messages_events"
    case logfireEvents = "events"
    case logfireMessage = "logfire.msg"
    case pydanticInput = "input"
    case pydanticOutput = "output"
    case pydanticAllMessages = "pydantic_ai.all_messages"
    case pydanticFinalResult = "final_result"
    case pydanticToolArguments = "tool_arguments"
    case pydanticToolResponse = "tool_response"
    case pydanticModelRequestParameters = "model_request_parameters"
    case modelConfig = "model_config"
    case model = "model"

    // MLflow and TraceLoop.
    case mlflowSpanInputs = "mlflow.spanInputs"
    case mlflowSpanOutputs = "mlflow.spanOutputs"
    case traceloopEntityInput = "traceloop.entity.input"
    case traceloopEntityOutput = "traceloop.entity.output"
    case traceloopSpanKind = "traceloop.span.kind"
    case traceloopUserID = "traceloop.association.properties.user_id"
    case traceloopSessionID = "traceloop.association.properties.session_id"

    // Resource conventions.
    case serviceName = "service.name"
    case serviceVersion = "service.version"
    case deploymentEnvironmentName = "deployment.environment.name"
    case deploymentEnvironment = "deployment.environment"
    case telemetrySDKLanguage = "telemetry.sdk.language"
    case telemetrySDKName = "telemetry.sdk.name"
    case telemetrySDKVersion = "telemetry.sdk.version"
}

/// Key families read by prefix (flattened messages, usage counters, dotted metadata ...).
public enum AttributeKeyPrefix: String, CaseIterable, Sendable {
    case genAIPrompt = "gen_ai.prompt."
    case genAICompletion = "gen_ai.completion."
    case llmInputMessages = "llm.input_messages."
    case llmOutputMessages = "llm.output_messages."
    case genAIUsage = "gen_ai.usage."
    case llmTokenCount = "llm.token_count."
    case genAIRequest = "gen_ai.request."
    case llmInvocationParameters = "llm.invocation_parameters."
    case llmTools = "llm.tools."
    case langfuseObservationMetadata = "langfuse.observation.metadata."
    case langfuseTraceMetadata = "langfuse.trace.metadata."
    case langfuseMetadata = "langfuse.metadata."
    case aiTelemetryMetadata = "ai.telemetry.metadata."
}

/// Instrumentation scope names that switch framework-specific rules.
public enum ScopeName: String, Sendable {
    case vercelAI = "ai"
    case genkit = "genkit-tracer"
    case flue = "@flue/opentelemetry"
    case pydanticAI = "pydantic-ai"
    case googleADK = "gcp.vertex.agent"
    case livekit = "livekit-agents"
    case langfuseSDKPrefix = "langfuse-sdk"
    case strands = "strands.telemetry.tracer"
}

/// Span event names that carry GenAI messages.
public enum GenAIEventName: String, Sendable {
    case inferenceDetails = "gen_ai.client.inference.operation.details"
    case systemMessage = "gen_ai.system.message"
    case userMessage = "gen_ai.user.message"
    case assistantMessage = "gen_ai.assistant.message"
    case toolMessage = "gen_ai.tool.message"
    case choice = "gen_ai.choice"
    case contentPrompt = "gen_ai.content.prompt"
    case contentCompletion = "gen_ai.content.completion"
    /// An instrumentation's score of the span it is on (or of the response it names).
    case evaluationResult = "gen_ai.evaluation.result"
}

/// Span event names and keys the mapping reads besides the GenAI message events.
public enum SpanEventName {
    public static let name = "exception"
    public static let typeKey = "exception.type"
    public static let messageKey = "exception.message"
    /// OpenInference marks the first streamed token with this event.
    public static let firstTokenEvent: StaticString = "First Token Stream Event"
    /// OpenLLMetry records each streamed chunk as an event.
    public static let completionChunkEvent: StaticString = "gen_ai.content.completion.chunk"
}

/// Attribute keys the collector's processors write (besides the Langfuse keys they fill in).
public enum CollectorAttributeKey {
    /// The price-catalog model a span's cost was computed from (`cost_inference`).
    public static let costModel = AttributeKey.collectorCostModel.rawValue
    /// The pricing tier used (`Standard`, or a conditional tier's name).
    public static let costTier = AttributeKey.collectorCostTier.rawValue
    /// The catalog's ids of the model and tier (Langfuse's, for the built-in prices), for exporters
    /// that fill `internal_model_id` and `usage_pricing_tier_id`.
    public static let costModelID = AttributeKey.collectorCostModelID.rawValue
    public static let costTierID = AttributeKey.collectorCostTierID.rawValue
    /// `redaction.<rule>.count`: values a redaction rule changed on the span (its attributes, name,
    /// status, events and links).
    public static func redactionCount(_ rule: String) -> String { "redaction.\(rule).count" }
    /// `true` on a span the redaction processor changed (when `mark_applied` is on).
    public static let redactionApplied = "redaction.applied"
    /// `true` on an agent or chain span whose usage is the sum of its descendants' (`agent_attribution`):
    /// the translator moves its usage and cost into metadata (`aggregated_usage`, `aggregated_cost`).
    public static let usageAggregate = AttributeKey.collectorUsageAggregate.rawValue
    /// A dotted observation metadata key, which the translator writes as metadata key `key`.
    public static func observationMetadata(_ key: String) -> String { AttributeKey.langfuseObservationMetadata.rawValue + "." + key }
}
