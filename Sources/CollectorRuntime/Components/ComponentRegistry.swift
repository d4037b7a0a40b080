import CollectorCore
import CollectorQueue
import ExporterHelper
import ComponentModel
import Connectors
import Exporters
import Processors
import Receivers

/// Every component type this build has, as factories. Adding a component is its folder (config,
/// factory, implementation) and one line here; the conformance suite then covers it.
public enum ComponentRegistry {
    public static let receivers: [any ReceiverFactory] = [
        OTLPReceiver.Factory()
    ]
    public static let processors: [any ProcessorFactory] = [
        MemoryLimiter.Factory(),
        BatchProcessor.Factory(),
        GroupByTrace.Factory(),
        TailSampling.Factory(),
        AgentAttribution.Factory(),
        Evaluation.Factory(),
        LogJoin.Factory(),
        InPlaceProcessorType<EnvironmentProcessor>(),
        AttributesProcessor.Factory(),
        AttributesProcessor.Factory(type: "resource", target: .resources),
        InPlaceProcessorType<ResourceDetectionProcessor>(),
        InPlaceProcessorType<CostInferenceProcessor>(),
        InPlaceProcessorType<RedactionProcessor>(),
    ]
    public static let exporters: [any ExporterFactory] = [
        ExporterType<FileExporter>(),
        ExporterType<DebugExporter>(),
        ExporterType<NopExporter>(),
        ExporterType<ClickHouseExporter>(),
        ExporterType<S3Exporter>(),
        ExporterType<LangfuseExporter>(),
        ExporterType<OTLPHTTPExporter>(),
        ExporterType<OTLPGRPCExporter>(),
        ExporterType<LoadBalancingExporter>(),
    ]
    public static let extensions: [any ExtensionFactory] = [
        HealthCheck.Factory()
    ]
    public static let connectors: [any ConnectorFactory] = [
        RoutingConnector.Factory()
    ]

    /// The OpenTelemetry Collector's names for our types, by section, so its configs carry over.
    static let aliases: [String: [String: String]] = [
        "exporters": ["otlp": OTLPGRPCExporter.Config.type, "otlphttp": OTLPHTTPExporter.Config.type]
    ]

    /// Types the OpenTelemetry Collector's Helm chart enables by default that we do not implement:
    /// named in the error, so a carried-over config fails with what to remove.
    static let notImplemented: [String: Set<String>] = [
        "receivers": ["jaeger", "zipkin", "prometheus"]
    ]

    /// Every registered factory's kind, type and example config, in registry order.
    public static var all: [(kind: ComponentKind, type: String, example: String)] {
        receivers.map { (.receiver, $0.type, $0.example) } + processors.map { (.processor, $0.type, $0.example) }
            + exporters.map { (.exporter, $0.type, $0.example) } + connectors.map { (.connector, $0.type, $0.example) }
            + extensions.map { (.extension, $0.type, $0.example) }
    }
}

public typealias ReceiverComponent = Component<any ReceiverFactory, any ReceiverConfiguration>
public typealias ProcessorComponent = Component<any ProcessorFactory, any ComponentConfig>

extension Component where Factory == any ProcessorFactory, Config == any ComponentConfig {
    /// Where this configured processor sits in a pipeline.
    public var stage: ProcessorStage { factory.stage(erased: config) }
}
public typealias ExporterComponent = Component<any ExporterFactory, any ExporterConfiguration>
public typealias ExtensionComponent = Component<any ExtensionFactory, any ComponentConfig>
public typealias ConnectorComponent = Component<any ConnectorFactory, any ComponentConfig>
