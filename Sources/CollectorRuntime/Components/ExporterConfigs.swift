import CollectorCore

/// Settings every exporter shares (the sending machinery), with the OpenTelemetry Collector's names.
public struct ExporterSettings: Sendable, Equatable {
    public var timeout: Duration
    public var queueEnabled: Bool
    public var queueSize: Int
    public var retryEnabled: Bool
    public var initialInterval: Duration
    public var maxInterval: Duration
    public var maxElapsedTime: Duration

    init(_ map: inout ConfigMap) throws(ConfigError) {
        timeout = try map.duration("timeout", default: .seconds(5))
        var queue = try map.mapOrEmpty("sending_queue")
        queueEnabled = try queue.bool("enabled", default: true)
        queueSize = try queue.int("queue_size", default: 1000, range: 1...1_000_000)
        try queue.finish()
        var retry = try map.mapOrEmpty("retry_on_failure")
        retryEnabled = try retry.bool("enabled", default: true)
        initialInterval = try retry.duration("initial_interval", default: .seconds(5))
        maxInterval = try retry.duration("max_interval", default: .seconds(30))
        maxElapsedTime = try retry.duration("max_elapsed_time", default: .seconds(300))
        if maxInterval < initialInterval {
            throw ConfigError(retry.childPath("max_interval"), "must be at least initial_interval")
        }
        try retry.finish()
    }
}

/// `exporters.file`: JSON Lines under a directory, rotated by size and time (the embedded default).
public struct FileExporterConfig: Sendable, Equatable {
    public static let type = "file"
    public static let formats = ["langfuse", "otlp_json"]

    public var directory: String
    public var format: String
    public var maxFileSizeBytes: Int
    public var rotateInterval: Duration
    public var settings: ExporterSettings

    public init(_ map: inout ConfigMap) throws(ConfigError) {
        directory = try map.requiredString("directory")
        format = try map.choice("format", Self.formats, default: "langfuse")
        maxFileSizeBytes = try map.int("max_file_size_bytes", default: 100 << 20, range: 4096...(1 << 40))
        rotateInterval = try map.duration("rotate_interval", default: .seconds(3600))
        settings = try ExporterSettings(&map)
    }
}

/// `exporters.debug`: a summary per batch on stdout.
public struct DebugExporterConfig: Sendable, Equatable {
    public static let type = "debug"
    public var verbosity: String

    public init(_ map: inout ConfigMap) throws(ConfigError) {
        verbosity = try map.choice("verbosity", ["basic", "normal", "detailed"], default: "basic")
    }
}

/// `extensions.health_check`: the endpoint Kubernetes probes (the collector's default port).
public struct HealthCheckConfig: Sendable, Equatable {
    public static let type = "health_check"
    public var endpoint: Endpoint
    public var path: String

    public init(_ map: inout ConfigMap) throws(ConfigError) {
        endpoint = try map.endpoint("endpoint", default: "localhost:13133")
        path = try map.string("path", default: "/")
    }
}
