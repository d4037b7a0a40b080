import CollectorCore
import CollectorQueue

/// Settings every exporter shares (the sending machinery), with the OpenTelemetry Collector's names.
public struct ExporterSettings: Sendable, Equatable {
    public var timeout: Duration = .seconds(5)
    public var queueEnabled = true
    public var queueSize = 1000
    /// Batches sent at once.
    public var numConsumers = 10
    /// `storage: disk`: the persistent write-ahead queue (nil: in memory).
    public var persistent: PersistentQueueSettings?
    public var retryEnabled = true
    public var initialInterval: Duration = .seconds(5)
    public var maxInterval: Duration = .seconds(30)
    public var maxElapsedTime: Duration = .seconds(300)

    /// The defaults (the OpenTelemetry Collector's), for exporters without settings of their own.
    public init() {}

    public init(_ map: inout ConfigMap, defaultTimeout: Duration = .seconds(5)) throws(ConfigError) {
        let d = ExporterSettings()
        timeout = try map.duration("timeout", default: defaultTimeout)
        var queue = try map.mapOrEmpty("sending_queue")
        queueEnabled = try queue.bool("enabled", default: d.queueEnabled)
        queueSize = try queue.int("queue_size", default: d.queueSize, range: 1...1_000_000)
        numConsumers = try queue.int("num_consumers", default: d.numConsumers, range: 1...1000)
        if try queue.choice("storage", ["memory", "disk"], default: "memory") == "disk" {
            persistent = try PersistentQueueSettings(&queue)
        } else {
            for key in PersistentQueueSettings.keys where queue.has(key) {
                throw ConfigError(queue.childPath(key), "only with storage: disk")
            }
        }
        try queue.finish()
        var retry = try map.mapOrEmpty("retry_on_failure")
        retryEnabled = try retry.bool("enabled", default: d.retryEnabled)
        initialInterval = try retry.duration("initial_interval", default: d.initialInterval)
        maxInterval = try retry.duration("max_interval", default: d.maxInterval)
        maxElapsedTime = try retry.duration("max_elapsed_time", default: d.maxElapsedTime)
        if maxInterval < initialInterval {
            throw ConfigError(retry.childPath("max_interval"), "must be at least initial_interval")
        }
        try retry.finish()
    }
}

/// `sending_queue` with `storage: disk` (see `DiskQueue` for the format and guarantees).
public struct PersistentQueueSettings: Sendable, Equatable {
    static let keys = ["directory", "max_size_mib", "fsync", "fsync_interval", "when_full"]
    /// The exporters' queues live in subdirectories named after them.
    public var directory: String
    public var maxBytes: Int
    public var fsync: DiskQueue.Fsync
    public var dropOldest: Bool

    init(_ map: inout ConfigMap) throws(ConfigError) {
        directory = try map.string("directory", default: "./data/queue")
        if directory.isEmpty { directory = "./data/queue" }
        maxBytes = try map.int("max_size_mib", default: 1024, range: 1...(1 << 20)) << 20
        // With fsync: batch, the least time between two syncs (0: back to back; each covers every
        // append before it). A longer one trades latency for fewer syncs.
        let interval = try map.duration("fsync_interval", default: .zero)
        switch try map.choice("fsync", ["always", "batch", "never"], default: "batch") {
        case "always": fsync = .always
        case "never": fsync = .never
        default: fsync = .batch(interval)
        }
        dropOldest = try map.choice("when_full", ["pushback", "drop_oldest"], default: "pushback") == "drop_oldest"
    }
}
