import CollectorCore

/// `resourcedetection` with the `env` detector: the attributes of `OTEL_RESOURCE_ATTRIBUTES` (which
/// the OpenTelemetry Operator sets on an injected sidecar: pod, namespace, node, …) added to every
/// resource, so every span says where it passed. Read once, when the pipeline is built.
public struct ResourceDetectionProcessor: SpanProcessor {
    public static let type = "resourcedetection"
    public static let detectors = ["env"]

    /// ```yaml
    /// resourcedetection: {detectors: [env], override: false}
    /// ```
    public struct Config: Sendable, Equatable {
        public var detectors: [String]
        /// true: a detected value replaces the resource's own (the OpenTelemetry Collector's default).
        public var override: Bool

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            detectors = try map.strings("detectors")
            if detectors.isEmpty { throw ConfigError(map.childPath("detectors"), "give at least one detector (env)") }
            for (i, d) in detectors.enumerated() where !ResourceDetectionProcessor.detectors.contains(d) {
                throw ConfigError(
                    "\(map.childPath("detectors"))[\(i)]",
                    "the '\(d)' detector is not implemented (known: \(ResourceDetectionProcessor.detectors.joined(separator: ", ")))")
            }
            override = try map.bool("override", default: true)
            // Accepted for the collector's configs: detection reads the environment, which cannot time out.
            _ = try map.duration("timeout", default: .seconds(2))
        }
    }

    public let config: Config
    public let detected: [(key: String, value: String)]

    public init(config: Config, environment: [String: String]) throws(ConfigError) {
        self.config = config
        detected = try Self.parse(environment["OTEL_RESOURCE_ATTRIBUTES"] ?? "")
    }

    /// `key=value,key=value`, values percent-encoded, as the OpenTelemetry SDKs read it. A malformed
    /// entry is an error (naming the entry), not a silently partial resource.
    public static func parse(_ text: String) throws(ConfigError) -> [(key: String, value: String)] {
        var out: [(key: String, value: String)] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: true) {
            let trimmed = entry.trimmingSpaces
            if trimmed.isEmpty { continue }
            guard let eq = trimmed.firstIndex(of: "=") else {
                throw ConfigError("OTEL_RESOURCE_ATTRIBUTES", "'\(trimmed)' is not key=value")
            }
            let key = String(trimmed[..<eq]).trimmingSpaces
            guard !key.isEmpty else { throw ConfigError("OTEL_RESOURCE_ATTRIBUTES", "'\(trimmed)' has an empty key") }
            guard let value = percentDecoded(String(trimmed[trimmed.index(after: eq)...]).trimmingSpaces) else {
                throw ConfigError("OTEL_RESOURCE_ATTRIBUTES", "the value of \(key) is not valid percent-encoding")
            }
            out.removeAll { $0.key == key }
            out.append((key, value))
        }
        return out
    }

    static func percentDecoded(_ s: String) -> String? { PercentEncoding.decode(s) }

    public func process(_ batch: inout TraceBatch) -> ProcessorOutcome {
        var outcome = ProcessorOutcome()
        guard !detected.isEmpty else { return outcome }
        var stored: [(key: ByteRange, value: AttributeValue)] = []
        for r in batch.resources.indices {
            if stored.isEmpty { stored = detected.map { (batch.store($0.key), .string(batch.store($0.value))) } }
            for (i, d) in detected.enumerated() {
                if !config.override && batch.attributeIndex(in: batch.resources[r].attributes, key: d.key) != nil { continue }
                batch.setResourceAttribute(r, key: stored[i].key, value: stored[i].value)
                outcome.add("detected")
            }
            batch.resources[r].hasResource = true
        }
        return outcome
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
