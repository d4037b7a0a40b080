/// The config `genai-collector run` uses when given none: the same text as `pipelines/local.yaml`
/// (a test keeps the two identical).
public enum EmbeddedConfig {
    public static let local = """
        # The embedded default: OTLP in on localhost (gRPC :4317, HTTP :4318; loopback only), tagged with an
        # environment, batched, written as Langfuse ingestion events under ./data. No other service needed.
        # Logs and metrics are taken too: GenAI event records (prompts and completions that instrumentations
        # such as opentelemetry-instrumentation-openai-v2 log) are joined onto their model calls' spans, and
        # both signals are written as OTLP/JSON beside the events (logs-*.jsonl, metrics-*.jsonl).
        # GENAI_COLLECTOR_HOST moves every listener (the container image sets 0.0.0.0).
        receivers:
          otlp:
            protocols:
              grpc:
                endpoint: ${env:GENAI_COLLECTOR_HOST:-localhost}:4317
              http:
                endpoint: ${env:GENAI_COLLECTOR_HOST:-localhost}:4318

        processors:
          memory_limiter:
            limit_mib: 512
          log_join: {}
          environment:
            from_attribute: deployment.environment.name
            value: ${env:GENAI_ENVIRONMENT:-development}
          batch:
            timeout: 1s

        exporters:
          file/local:
            directory: ./data
            format: langfuse

        extensions:
          health_check:
            endpoint: ${env:GENAI_COLLECTOR_HOST:-localhost}:13133

        service:
          extensions: [health_check]
          telemetry:
            metrics:
              address: ${env:GENAI_COLLECTOR_HOST:-localhost}:8888
          pipelines:
            traces:
              receivers: [otlp]
              processors: [memory_limiter, log_join, environment, batch]
              exporters: [file/local]
            logs:
              receivers: [otlp]
              processors: [memory_limiter, log_join, batch]
              exporters: [file/local]
            metrics:
              receivers: [otlp]
              processors: [memory_limiter, batch]
              exporters: [file/local]
        """ + "\n"
}
