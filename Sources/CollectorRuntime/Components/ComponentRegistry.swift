import CollectorCore
import Exporters
import Processors
import Receivers

/// Every component type the collector knows, by kind, with the decoder of its config. Adding a
/// component means adding one line here.
public enum ReceiverConfig: Sendable, Equatable {
    case otlp(OTLPReceiverConfig)
}

public enum ProcessorConfig: Sendable, Equatable {
    case environment(EnvironmentProcessor.Config)
    case attributes(AttributesProcessor.Config)
    case resource(AttributesProcessor.Config)
    case resourceDetection(ResourceDetectionProcessor.Config)
    case batch(BatchProcessor.Config)
    case memoryLimiter(MemoryLimiter.Config)
    case costInference(CostInferenceProcessor.Config)
    case redaction(RedactionProcessor.Config)
}

public enum ExporterConfig: Sendable, Equatable {
    case file(FileExporterConfig)
    case debug(DebugExporterConfig)
    case clickhouse(ClickHouseExporterConfig)
    case s3(S3ExporterConfig)
    case langfuse(LangfuseExporterConfig)
    case otlpHTTP(OTLPHTTPExporterConfig)
    case otlpGRPC(OTLPGRPCExporterConfig)

    /// The sending machinery's settings, which every exporter has.
    public var settings: ExporterSettings {
        switch self {
        case .file(let c): return c.settings
        case .debug(let c): return c.settings
        case .clickhouse(let c): return c.settings
        case .s3(let c): return c.settings
        case .langfuse(let c): return c.settings
        case .otlpHTTP(let c): return c.settings
        case .otlpGRPC(let c): return c.settings
        }
    }

    /// Client TLS, for the exporters that have it.
    public var tls: TLSClientConfig? {
        switch self {
        case .file, .debug: return nil
        case .clickhouse(let c): return c.tls
        case .s3(let c): return c.tls
        case .langfuse(let c): return c.tls
        case .otlpHTTP(let c): return c.tls
        case .otlpGRPC(let c): return c.tls
        }
    }
}

public enum ExtensionConfig: Sendable, Equatable {
    case healthCheck(HealthCheckConfig)
}

enum ComponentRegistry {
    typealias Decoder<T> = @Sendable (inout ConfigMap) throws(ConfigError) -> T

    static let receivers: [String: Decoder<ReceiverConfig>] = [
        OTLPReceiverConfig.type: { (m) throws(ConfigError) in .otlp(try OTLPReceiverConfig(&m)) },
    ]
    static let processors: [String: Decoder<ProcessorConfig>] = [
        EnvironmentProcessor.type: { (m) throws(ConfigError) in .environment(try EnvironmentProcessor.Config(&m)) },
        AttributesProcessor.type: { (m) throws(ConfigError) in .attributes(try AttributesProcessor.Config(&m)) },
        AttributesProcessor.resourceType: { (m) throws(ConfigError) in .resource(try AttributesProcessor.Config(&m)) },
        ResourceDetectionProcessor.type: { (m) throws(ConfigError) in .resourceDetection(try ResourceDetectionProcessor.Config(&m)) },
        BatchProcessor.type: { (m) throws(ConfigError) in .batch(try BatchProcessor.Config(&m)) },
        MemoryLimiter.type: { (m) throws(ConfigError) in .memoryLimiter(try MemoryLimiter.Config(&m)) },
        CostInferenceProcessor.type: { (m) throws(ConfigError) in .costInference(try CostInferenceProcessor.Config(&m)) },
        RedactionProcessor.type: { (m) throws(ConfigError) in .redaction(try RedactionProcessor.Config(&m)) },
    ]
    static let exporters: [String: Decoder<ExporterConfig>] = [
        FileExporterConfig.type: { (m) throws(ConfigError) in .file(try FileExporterConfig(&m)) },
        DebugExporterConfig.type: { (m) throws(ConfigError) in .debug(try DebugExporterConfig(&m)) },
        ClickHouseExporterConfig.type: { (m) throws(ConfigError) in .clickhouse(try ClickHouseExporterConfig(&m)) },
        S3ExporterConfig.type: { (m) throws(ConfigError) in .s3(try S3ExporterConfig(&m)) },
        LangfuseExporterConfig.type: { (m) throws(ConfigError) in .langfuse(try LangfuseExporterConfig(&m)) },
        OTLPHTTPExporterConfig.type: { (m) throws(ConfigError) in .otlpHTTP(try OTLPHTTPExporterConfig(&m)) },
        OTLPGRPCExporterConfig.type: { (m) throws(ConfigError) in .otlpGRPC(try OTLPGRPCExporterConfig(&m)) },
    ]
    static let extensions: [String: Decoder<ExtensionConfig>] = [
        HealthCheckConfig.type: { (m) throws(ConfigError) in .healthCheck(try HealthCheckConfig(&m)) },
    ]

    /// The OpenTelemetry Collector's names for our types, by section, so its configs carry over.
    static let aliases: [String: [String: String]] = [
        "exporters": ["otlp": OTLPGRPCExporterConfig.type, "otlphttp": OTLPHTTPExporterConfig.type],
    ]

    /// Types the OpenTelemetry Collector's Helm chart enables by default that we do not implement:
    /// named in the error, so a carried-over config fails with what to remove.
    static let notImplemented: [String: Set<String>] = [
        "receivers": ["jaeger", "zipkin", "prometheus"],
    ]
}
