import CollectorCore
import GenAIMapping

/// Prints one line per batch on stdout: spans, traces, observation types, tokens and models.
public struct DebugExporter: Exporter {
    public let id: String
    public let needsRecords = true
    let config: DebugExporterConfig
    let write: @Sendable (String) -> Void

    public init(id: String, config: DebugExporterConfig, write: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.id = id
        self.config = config
        self.write = write
    }

    public func export(_ item: ExportItem) async throws(ExportFailure) {
        write(Self.summary(item))
    }

    public func shutdown() async {}

    static func summary(_ item: ExportItem) -> String {
        guard let records = item.records else { return "\(item.spanCount) spans" }
        var types: [String: Int] = [:]
        var input: Int64 = 0
        var output: Int64 = 0
        var models = Set<String>()
        for o in records.observations {
            types[o.type.rawValue.lowercased(), default: 0] += 1
            input += o.usageDetails?["input"] ?? 0
            output += o.usageDetails?["output"] ?? 0
            if let m = o.model { models.insert(m) }
        }
        let traceCount = Set(records.observations.map(\.traceID)).count
        let typeText = types.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "debug: \(item.spanCount) spans, \(traceCount) traces [\(typeText)] tokens in=\(input) out=\(output)"
            + (models.isEmpty ? "" : " models=\(models.sorted().joined(separator: ","))")
    }
}
