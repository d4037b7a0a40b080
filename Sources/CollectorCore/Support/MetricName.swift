/// The collector's own metric names, spelled once. Where the meaning matches, they are the
/// OpenTelemetry Collector's, so existing dashboards work.
public enum MetricName: String, Sendable, CaseIterable {
    case receiverAcceptedSpans = "otelcol_receiver_accepted_spans"
    case receiverRefusedSpans = "otelcol_receiver_refused_spans"
    case receiverAcceptedLogRecords = "otelcol_receiver_accepted_log_records"
    case receiverRefusedLogRecords = "otelcol_receiver_refused_log_records"
    case receiverAcceptedMetricPoints = "otelcol_receiver_accepted_metric_points"
    case receiverRefusedMetricPoints = "otelcol_receiver_refused_metric_points"
    /// Requests refused before decoding (the memory limit was already reached), by `receiver` and
    /// `transport`. Their spans were never decoded, so `otelcol_receiver_refused_spans` cannot count them.
    case receiverRefusedRequests = "genai_collector_receiver_refused_requests"
    case exporterSentSpans = "otelcol_exporter_sent_spans"
    case exporterSendFailedSpans = "otelcol_exporter_send_failed_spans"
    case exporterEnqueueFailedSpans = "otelcol_exporter_enqueue_failed_spans"
    case exporterSentLogRecords = "otelcol_exporter_sent_log_records"
    case exporterSendFailedLogRecords = "otelcol_exporter_send_failed_log_records"
    case exporterEnqueueFailedLogRecords = "otelcol_exporter_enqueue_failed_log_records"
    case exporterSentMetricPoints = "otelcol_exporter_sent_metric_points"
    case exporterSendFailedMetricPoints = "otelcol_exporter_send_failed_metric_points"
    case exporterEnqueueFailedMetricPoints = "otelcol_exporter_enqueue_failed_metric_points"
    /// Log records and data points an exporter dropped, by `reason` (as `genai_collector_dropped_spans`).
    case droppedLogRecords = "genai_collector_dropped_log_records"
    case droppedMetricPoints = "genai_collector_dropped_metric_points"
    case exporterQueueSize = "otelcol_exporter_queue_size"
    case exporterQueueCapacity = "otelcol_exporter_queue_capacity"
    /// Attempts that failed with a retryable error and were tried again, by `exporter`.
    case exporterRetries = "genai_collector_exporter_retries"
    /// Every span dropped anywhere, with a `reason` label.
    case droppedSpans = "genai_collector_dropped_spans"
    /// Attributes dropped by a receiver's `limits` (`reason="attribute_limit"`), by `receiver`.
    case droppedAttributes = "genai_collector_dropped_attributes"
    /// Langfuse observations exported, by `type` and `environment`.
    case observations = "genai_collector_observations"
    /// Token counts by `model`, `environment`, `observation_type` and `usage` (the usage key).
    case tokens = "genai_collector_tokens"
    /// Cost in USD by `model`, `environment`, `observation_type` and `cost` (the cost key).
    case costUSD = "genai_collector_cost_usd"
    /// What each processor did, by `processor` and `outcome` (e.g. environment `tagged`, `kept`).
    case processorOutcomes = "genai_collector_processor_outcomes"
    /// Spans whose model no price matched (`cost_inference`), by `processor` and `model` (at most
    /// 100 distinct names per processor; the rest as `other`): what to add to the price list.
    case costUnknownModelSpans = "genai_collector_cost_unknown_model_spans"
    /// Values redacted (`redaction`), by `processor`, `rule` (a detector, custom pattern or word
    /// list, `deny_key`, `not_allowed`, `fail_closed`) and `action`.
    case redactions = "genai_collector_redactions"
    /// Translation notes by `reason` (e.g. `prompt_link_dropped`: a half or non-integer prompt link).
    case translationNotes = "genai_collector_translation_notes"
    /// Langfuse ingestion events the server refused one by one (errors in a 207 answer that retrying
    /// cannot fix), by `exporter` and `status`; the rest of their batch was delivered.
    case exporterRejectedEvents = "genai_collector_exporter_rejected_events"
    /// Objects an object-store exporter (`s3`) stored, and their bytes as stored, by `exporter`.
    case exporterObjects = "genai_collector_exporter_objects"
    case exporterObjectBytes = "genai_collector_exporter_object_bytes"
    /// The persistent queue (`storage: disk`), by `exporter`: bytes and age of what waits
    /// (records are `otelcol_exporter_queue_size`), records found at start and delivered again,
    /// corrupt records skipped at start, and appends refused (`reason`: `full` or `io`).
    case persistentQueueBytes = "genai_collector_persistent_queue_bytes"
    case persistentQueueOldestAgeSeconds = "genai_collector_persistent_queue_oldest_record_age_seconds"
    case persistentQueueReplayed = "genai_collector_persistent_queue_replayed_records"
    case persistentQueueCorrupt = "genai_collector_persistent_queue_corrupt_records"
    case persistentQueuePushbacks = "genai_collector_persistent_queue_pushbacks"
    /// Config reloads (a watched file changed, or SIGHUP), by `outcome`: `applied`, `unchanged`
    /// (the files changed, the config did not), `failed` (invalid; the old config keeps running) and
    /// `restart_required` (it changes listeners, the memory limit or a disk queue; not applied).
    case configReloads = "genai_collector_config_reloads"
    /// The running config's hash (FNV-1a of every source and file it read, 52 bits): replicas with
    /// the same value run the same config, secrets included.
    case configHash = "genai_collector_config_hash"
    /// Values of a client-chosen label reported as `other` because the label already had its cap of
    /// distinct values, by `label`.
    case labelOverflow = "genai_collector_metric_label_overflow"
    /// Spans run through the GenAI → Langfuse translator: once per batch in memory mode, once per
    /// span read back from a disk queue whose exporter needs Langfuse records (or feeds the GenAI
    /// series) in durable mode.
    case translatedSpans = "genai_collector_translated_spans"
    /// What a trace-row writer (`clickhouse`) did with each trace of a batch, by `exporter` and
    /// `outcome`: `hit` (merged over its cached row), `stored` (over the row read back from
    /// ClickHouse), `new` (no row yet), `unchanged` (nothing new: not written again), `evicted` (a
    /// cached row dropped for the memory bound). The cache's size is the `_bytes` gauge.
    case traceRowCache = "genai_collector_trace_row_cache"
    case traceRowCacheBytes = "genai_collector_trace_row_cache_bytes"
    /// The `loadbalancing` exporter, with the OpenTelemetry Collector's names: backends on the ring
    /// (gauge, by `exporter`); resolutions by `resolver` and `success`; ring changes by `resolver`;
    /// exports to a backend by `endpoint` and `success`, and their seconds (`_backend_latency`, the
    /// sum; divide by the outcome count for the mean).
    case loadBalancerBackends = "otelcol_loadbalancer_num_backends"
    case loadBalancerResolutions = "otelcol_loadbalancer_num_resolutions"
    case loadBalancerBackendUpdates = "otelcol_loadbalancer_num_backend_updates"
    case loadBalancerBackendOutcome = "otelcol_loadbalancer_backend_outcome"
    case loadBalancerBackendLatency = "otelcol_loadbalancer_backend_latency_seconds"
    /// The per-trace buffer (`groupbytrace`), by `processor`: traces, spans and bytes held (gauges),
    /// and traces and spans released by `reason` (`complete`, `no_root`, `evicted_traces`,
    /// `evicted_bytes`, `flushed`).
    case groupByTraceTraces = "otelcol_processor_groupbytrace_num_traces_in_memory"
    case groupByTraceSpans = "genai_collector_groupbytrace_spans_in_memory"
    case groupByTraceBytes = "genai_collector_groupbytrace_bytes_in_memory"
    case groupByTraceReleasedTraces = "otelcol_processor_groupbytrace_traces_released"
    case groupByTraceReleasedSpans = "otelcol_processor_groupbytrace_spans_released"
    /// Tail sampling decisions, by `processor`: traces by the `policy` that kept them (`none` when
    /// none did) and `sampled`, and their spans by `sampled`.
    case tailSamplingTraces = "otelcol_processor_tail_sampling_count_traces_sampled"
    case tailSamplingSpans = "genai_collector_tail_sampling_spans"
    /// Tenants (the `routing` connector), by `connector` and `tenant`: spans by `outcome`
    /// (`accepted`, `refused`: no pipeline takes the tenant, or its pipeline pushed back); claims in
    /// the data that named another tenant than the credentials (`outcome="conflict"`, spans); and
    /// tokens and cost (as the GenAI series count them) by `tenant`.
    case tenantSpans = "genai_collector_tenant_spans"
    case tenantClaims = "genai_collector_tenant_claims"
    case tenantTokens = "genai_collector_tenant_tokens"
    case tenantCostUSD = "genai_collector_tenant_cost_usd"
    /// The log join (`log_join`), by `processor`: GenAI event records by `outcome` (joined,
    /// unmatched, evicted, flushed); spans that waited for them by `outcome` (joined, no_records,
    /// evicted, flushed); and what it holds now.
    case logJoinRecords = "genai_collector_log_join"
    case logJoinSpans = "genai_collector_log_join_spans"
    case logJoinWaitingSpans = "genai_collector_log_join_waiting_spans"
    case logJoinHeldRecords = "genai_collector_log_join_held_records"
    case logJoinBytes = "genai_collector_log_join_bytes"

    /// Histograms (seconds, USD): each model call, tool call, agent step ... by `model`, `type`,
    /// `environment`, `agent`; time to first token by `model`; each whole trace's duration (earliest
    /// start to latest end, as Langfuse computes trace latency) by `name` and `environment`, and its
    /// cost by `environment`.
    case operationDuration = "genai_collector_operation_duration_seconds"
    case timeToFirstToken = "genai_collector_time_to_first_token_seconds"
    case traceDuration = "genai_collector_trace_duration_seconds"
    case traceCost = "genai_collector_trace_cost_usd"
    /// Observations at level ERROR, by `model`, `agent`, `type` and `environment`.
    case observationErrors = "genai_collector_observation_errors"
    /// Tokens and cost carried by aggregate spans (an agent or chain span repeating the sum of its
    /// model calls, `agent_attribution`): counted here, apart, never in `genai_collector_tokens`.
    case aggregatedTokens = "genai_collector_aggregated_tokens"
    case aggregatedCostUSD = "genai_collector_aggregated_cost_usd"

    /// Langfuse scores made (from `gen_ai.evaluation.result` events), by `name`, `data_type` and `source`.
    case scores = "genai_collector_scores"
    /// What each evaluator of an `evaluation` processor did, by `processor`, `evaluator` and `result`:
    /// `pass`, `fail`, `measured`, or why it did not score (`filtered`, `unsampled`, `no_text`, ...).
    case evaluations = "genai_collector_evaluations"
    /// An LLM judge's calls by `processor`, `evaluator` and `outcome` (`ok`, `rate_limited`,
    /// `http_error`, `unreachable`, `malformed`: one per attempt), its tokens by `type` (input,
    /// output) and its cost as the catalog prices it.
    case judgeCalls = "genai_collector_judge_calls"
    case judgeTokens = "genai_collector_judge_tokens"
    case judgeCostUSD = "genai_collector_judge_cost_usd"
    /// Prompt ids a ClickHouse exporter asked Langfuse for, by `exporter` and `outcome`: `cached`,
    /// `resolved`, `not_found`, `failed` (the id is then left empty).
    case promptLookups = "genai_collector_prompt_lookups"
    /// Langfuse API calls the OTLP/HTTP receiver passed on (`langfuse_api`), by `receiver`, `route`
    /// (`scores`, `v2/prompts`, `ingestion`, …) and the `status` answered; score comments the
    /// pipelines' redaction changed on the way.
    case langfuseAPIRequests = "genai_collector_langfuse_api_requests"
    case langfuseAPICommentsRedacted = "genai_collector_langfuse_api_comments_redacted"

    /// A receiver's accepted (or refused) items of a signal.
    public static func receiverItems(_ signal: Signal, accepted: Bool) -> MetricName {
        switch signal {
        case .traces: return accepted ? .receiverAcceptedSpans : .receiverRefusedSpans
        case .logs: return accepted ? .receiverAcceptedLogRecords : .receiverRefusedLogRecords
        case .metrics: return accepted ? .receiverAcceptedMetricPoints : .receiverRefusedMetricPoints
        }
    }

    public enum ExporterOutcome: Sendable { case sent, sendFailed, enqueueFailed, dropped }

    /// An exporter's count of a signal's items by outcome, under the OpenTelemetry Collector's names.
    public static func exporterItems(_ signal: Signal, _ outcome: ExporterOutcome) -> MetricName {
        switch (signal, outcome) {
        case (.traces, .sent): return .exporterSentSpans
        case (.traces, .sendFailed): return .exporterSendFailedSpans
        case (.traces, .enqueueFailed): return .exporterEnqueueFailedSpans
        case (.traces, .dropped): return .droppedSpans
        case (.logs, .sent): return .exporterSentLogRecords
        case (.logs, .sendFailed): return .exporterSendFailedLogRecords
        case (.logs, .enqueueFailed): return .exporterEnqueueFailedLogRecords
        case (.logs, .dropped): return .droppedLogRecords
        case (.metrics, .sent): return .exporterSentMetricPoints
        case (.metrics, .sendFailed): return .exporterSendFailedMetricPoints
        case (.metrics, .enqueueFailed): return .exporterEnqueueFailedMetricPoints
        case (.metrics, .dropped): return .droppedMetricPoints
        }
    }

    /// Bucket bounds of a histogram, empty for counters and gauges. Latency buckets span what model
    /// calls and agent runs take (50 ms to 5 min); cost buckets a hundredth of a cent to $10.
    public var buckets: [Double] {
        switch self {
        case .operationDuration, .traceDuration: return Self.latencyBuckets
        case .timeToFirstToken: return Self.firstTokenBuckets
        case .traceCost: return Self.costBuckets
        default: return []
        }
    }

    public static let latencyBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300]
    public static let firstTokenBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 10, 30]
    public static let costBuckets: [Double] = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]

    public var isHistogram: Bool { !buckets.isEmpty }

    /// Gauges are exposed as they are; everything else is a counter (`_total`).
    public var isGauge: Bool {
        switch self {
        case .exporterQueueSize, .exporterQueueCapacity, .persistentQueueBytes, .persistentQueueOldestAgeSeconds, .configHash, .traceRowCacheBytes,
            .loadBalancerBackends, .groupByTraceTraces, .groupByTraceSpans, .groupByTraceBytes, .logJoinWaitingSpans, .logJoinHeldRecords,
            .logJoinBytes:
            return true
        default: return false
        }
    }
}
