import GRPCCore

/// `opentelemetry.proto.collector.trace.v1.TraceService/Export`, shared by the gRPC receiver and
/// exporter. Messages pass as raw bytes: the project's own codecs decode and encode them, once.
public enum TraceService {
    public static let export = MethodDescriptor(fullyQualifiedService: "opentelemetry.proto.collector.trace.v1.TraceService", method: "Export")
}

/// `LogsService/Export` and `MetricsService/Export`, passed as raw bytes as traces are.
public enum LogsService {
    public static let export = MethodDescriptor(fullyQualifiedService: "opentelemetry.proto.collector.logs.v1.LogsService", method: "Export")
}

public enum MetricsService {
    public static let export = MethodDescriptor(fullyQualifiedService: "opentelemetry.proto.collector.metrics.v1.MetricsService", method: "Export")
}

/// Message bytes passed through untouched, in both directions.
public struct RawBytes: MessageSerializer, MessageDeserializer {
    public init() {}
    public func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    public func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}
