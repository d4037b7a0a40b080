import CollectorCore

/// The precedence lists of the mapping, each in one place. Order is precedence: first wins.
public enum MappingTables {
    /// User metadata keys kept per record (blob and dotted keys together); a client can send a
    /// metadata object of any size, and every key costs work in each exporter.
    static let maxMetadataKeys = 1024

    // MARK: Observation type
    static let langfuseTypes: [String: ObservationType] = [
        "span": .span, "generation": .generation, "event": .event, "embedding": .embedding, "agent": .agent,
        "tool": .tool, "chain": .chain, "retriever": .retriever, "guardrail": .guardrail, "evaluator": .evaluator,
    ]
    static let openInferenceKinds: [String: ObservationType] = [
        "CHAIN": .chain, "RETRIEVER": .retriever, "LLM": .generation, "EMBEDDING": .embedding, "AGENT": .agent,
        "TOOL": .tool, "GUARDRAIL": .guardrail, "EVALUATOR": .evaluator,
    ]
    /// `retrieval` and `invoke_workflow` are ours: Langfuse leaves them as plain spans.
    static let genAIOperations: [String: ObservationType] = [
        "chat": .generation, "completion": .generation, "text_completion": .generation,
        "generate_content": .generation, "generate": .generation, "embeddings": .embedding,
        "invoke_agent": .agent, "create_agent": .agent, "execute_tool": .tool,
        "retrieval": .retriever, "invoke_workflow": .chain,
    ]
    static let genkitSubtypes: [String: ObservationType] = [
        "model": .generation, "background-model": .generation, "embedder": .embedding, "tool": .tool,
        "tool.v2": .tool, "retriever": .retriever, "evaluator": .evaluator,
    ]
    static let vercelGenerationOperations = [
        "ai.generateText.doGenerate", "ai.streamText.doStream", "ai.generateObject.doGenerate", "ai.streamObject.doStream",
    ]
    static let vercelEmbeddingOperations = ["ai.embed.doEmbed", "ai.embedMany.doEmbed"]
    static let vercelToolOperation = "ai.toolCall"
    static let vercelModelKeys: [AttributeKey] = [.langfuseObservationModelName, .aiModelID, .genAIRequestModel, .genAIResponseModel]
    static let modelFallbackKeys: [AttributeKey] = [.langfuseObservationModelName, .genAIRequestModel, .genAIResponseModel, .llmModelName, .model]
    static let generationOnlyKeys: [AttributeKey] = [
        .langfuseObservationModelName, .langfuseObservationCostDetails, .langfuseObservationUsageDetails,
        .langfuseObservationCompletionStartTime, .langfuseObservationModelParameters,
        .langfuseObservationPromptName, .langfuseObservationPromptVersion,
    ]
    /// OpenLLMetry's span kinds (ours: Langfuse ignores `traceloop.span.kind`).
    static let traceloopKinds: [String: ObservationType] = ["workflow": .chain, "agent": .agent, "tool": .tool]
    static let livekitAgentSpans: Set<String> = ["agent_turn", "start_agent_activity"]
    static let livekitToolSpans: Set<String> = ["function_tool"]
    static let livekitNoiseSpans: Set<String> = [
        "user_speaking", "eou_detection", "llm_request_run", "tts_node", "tts_request", "tts_request_run",
        "tts_stream_adapter", "agent_speaking", "drain_agent_activity", "on_enter", "on_exit",
        "llm_fallback_adapter", "tts_fallback_adapter", "start_agent_activity",
    ]
    /// Operations whose model, usage and cost Langfuse strips (aggregates of child calls in the Vercel AI SDK).
    static let agentAggregateOperations: Set<String> = ["invoke_agent", "agent_step"]
    /// The scopes whose agent spans (`agentAggregateOperations`) sum their children's usage, so they are
    /// stripped there only: the Vercel AI SDK and Strands Agents (its `invoke_agent` repeats every
    /// chat's tokens). Elsewhere an agent span's usage is its own (a remote agent's spend).
    static let aggregatingAgentScopes: Set<String> = [ScopeName.vercelAI.rawValue, ScopeName.strands.rawValue]

    // MARK: Model
    static let modelNameKeys: [AttributeKey] = [
        .langfuseObservationModelName, .genAIResponseModel, .aiModelID, .genAIRequestModel, .llmResponseModel,
        .llmModelName, .model, .embeddingModelName,
    ]

    /// Model parameters as one JSON object, before the per-parameter families.
    static let modelParameterObjectKeys: [AttributeKey] = [.llmInvocationParameters, .modelConfig]
    static let modelParameterFamilies: [AttributeKeyPrefix] = [.genAIRequest, .llmInvocationParameters]
    /// Tool definitions offered to the model.
    static let toolDefinitionKeys: [AttributeKey] = [.aiPromptTools, .genAIToolDefinitions]

    // MARK: Cost and timing
    /// A total cost the instrumentation computed, when no cost details are given.
    static let providedTotalCostKeys: [AttributeKey] = [.genAIUsageCost, .llmCostTotal]
    /// Milliseconds from the start to the first streamed chunk (the Vercel AI SDK).
    static let firstChunkDelayKeys: [AttributeKey] = [.aiResponseMsToFirstChunk, .aiStreamMsToFirstChunk]

    // MARK: Identity
    static let userIDKeys: [AttributeKey] = [.langfuseUserID, .userID]
    static let sessionIDKeys: [AttributeKey] = [.langfuseSessionID, .sessionID, .genAIConversationID]
    static let tagKeys: [AttributeKey] = [.langfuseTraceTags, .langfuseTags]
    /// Dotted metadata spellings consulted after the keys above, in this order.
    static let identityMetadataFamilies: [AttributeKeyPrefix] = [.langfuseObservationMetadata, .langfuseTraceMetadata]
    /// Where Langfuse reads a span's environment (span, then resource); the environment processor
    /// keeps one it finds here.
    public static let environmentKeys: [AttributeKey] = [.langfuseEnvironment, .deploymentEnvironmentName, .deploymentEnvironment]
    /// Keys that make a child span update its trace. Langfuse's list plus `gen_ai.conversation.id`,
    /// `langfuse.tags` and `langfuse.public`, which otherwise never reach the trace from a child.
    static let traceUpdateKeys: [AttributeKey] = [
        .langfuseTraceName, .langfuseTraceInput, .langfuseTraceOutput, .langfuseTraceMetadata, .userID, .sessionID,
        .langfuseTracePublic, .langfuseTraceTags, .langfuseUserID, .langfuseSessionID, .tagTags,
        .genAIConversationID, .langfuseTags, .langfusePublic, .traceloopUserID, .traceloopSessionID,
    ]
    static let aiTelemetryReserved: Set<String> = ["userId", "sessionId", "tags", "langfusePrompt"]

    /// Trace metadata set on a resource: a JSON blob, then dotted keys.
    static let resourceTraceMetadataKeys: [AttributeKey] = [.langfuseTraceMetadata, .langfuseMetadata]
    static let resourceTraceMetadataFamilies: [AttributeKeyPrefix] = [.langfuseTraceMetadata, .langfuseMetadata]

    // MARK: Level
    static let levels: [String: ObservationLevel] = [
        "DEBUG": .debug, "TRACE": .debug, "VERBOSE": .debug,
        "DEFAULT": .default, "INFO": .default, "LOG": .default, "NOTICE": .default, "OK": .default, "SUCCESS": .default,
        "WARNING": .warning, "WARN": .warning,
        "ERROR": .error, "FATAL": .error, "CRITICAL": .error,
    ]

    // MARK: Metadata
    /// Every attribute that may carry an input or output, left out of `metadata.attributes` on
    /// observations and traces in every scope, whichever source supplied the record's input/output
    /// (Langfuse's fixed list, by convention), with the message and metadata keys.
    static let metadataExcludedKeys: [AttributeKey] = [
        // Langfuse
        .langfuseTraceInput, .langfuseTraceOutput, .langfuseObservationInput, .langfuseObservationOutput,
        // Vercel AI SDK
        .aiPromptMessages, .aiPrompt, .aiToolCallArgs, .aiResponseText, .aiResultText, .aiToolCallResult, .aiResponseObject, .aiResultObject,
        .aiResponseToolCalls, .aiResultToolCalls,
        // Google ADK
        .adkLLMRequest, .adkLLMResponse, .adkToolCallArgs, .adkToolResponse,
        // Logfire
        .logfirePrompt, .logfireAllMessagesEvents, .logfireEvents,
        // LiveKit
        .livekitInputText, .livekitUserTranscript, .livekitChatContext, .livekitUserInput, .livekitFunctionToolOutput, .livekitResponseText,
        // MLflow
        .mlflowSpanInputs, .mlflowSpanOutputs,
        // TraceLoop
        .traceloopEntityInput, .traceloopEntityOutput,
        // OpenInference
        .inputValue, .outputValue,
        // Pydantic AI
        .pydanticFinalResult, .pydanticAllMessages,
        // plain
        .pydanticInput, .pydanticOutput,
        // GenAI
        .genAISystemInstructions, .genAIInputMessages, .genAIOutputMessages, .genAIToolCallArguments, .genAIToolCallResult,
        // Genkit
        .genkitInput, .genkitOutput,
        // Flue
        .flueTurnInput, .flueToolArguments, .flueTaskPrompt, .flueWorkflowPayload, .flueTurnOutput, .flueToolResult, .flueTaskResult, .flueOperationResult,
        .flueWorkflowResult,
        // what the metadata rule carries itself
        .genAIPrompt, .genAICompletion, .langfuseTraceMetadata, .langfuseObservationMetadata,
    ]
    /// Plain prefixes, without a trailing dot: `gen_ai.prompt` also covers `gen_ai.prompt_json`.
    static let metadataExcludedPrefixes: [String] = [
        "gen_ai.prompt", "gen_ai.completion", "llm.input_messages", "llm.output_messages", "langfuse.trace.metadata",
        "langfuse.observation.metadata", "ai.telemetry.metadata",
    ]
    /// Per `AttributeKey`: excluded by name or by one of the prefixes.
    static let metadataExcludedKeyIDs: [Bool] = AttributeKey.allCases.map { key in
        metadataExcludedKeys.contains(key) || metadataExcludedPrefixes.contains { key.rawValue.hasPrefix($0) }
    }
    /// Per prefix family (whose names end in a dot): inside one of the prefixes above.
    static let metadataExcludedFamilyIDs: [Bool] = AttributeKeyPrefix.allCases.map { family in
        metadataExcludedPrefixes.contains { family.rawValue.hasPrefix($0) }
    }
}
