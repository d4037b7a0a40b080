import CollectorCore
import CollectorQueue
import ExporterHelper
import Synchronization

/// Turns `--config` arguments into one config tree: each source is a file path, `file:PATH`,
/// `env:VAR` (the YAML is in the variable, as the OpenTelemetry Operator passes it) or
/// `yaml:TEXT`; sources are merged in order, later ones winning; then variables are expanded.
public struct ConfigLoader {
    var substitution: Substitution
    /// Every file the last `load` read (config files and `${file:}` values), with its content:
    /// what a reload watches, and what the config's hash covers.
    public let filesRead = FilesRead()

    public init() {
        substitution = .live()
        record()
    }

    init(substitution: Substitution) {
        self.substitution = substitution
    }

    /// Variables from `environment` instead of the process's (tests, and programs embedding the collector).
    public init(environment: [String: String]) {
        substitution = .live()
        substitution.environment = environment
        record()
    }

    private mutating func record() {
        let read = substitution.readFile
        let files = filesRead
        substitution.readFile = { (path) throws(ConfigError) -> String in
            let text = try read(path)
            files.add(path, text)
            return text
        }
    }

    /// What substitution put where in the last `load`; `log.redact` keeps values out of messages.
    public var log: SubstitutionLog { substitution.log }

    public func load(_ sources: [String]) throws(ConfigError) -> ConfigNode {
        guard !sources.isEmpty else { throw ConfigError("--config", "give at least one config (a file, env:VAR or yaml:TEXT)") }
        var merged = ConfigNode.null
        for source in sources {
            let node = try YAMLDocument.parse(try text(of: source), source: source)
            merged = merged == .null ? node : merged.merged(with: node)
        }
        return try substitution.apply(merged)
    }

    func text(of source: String) throws(ConfigError) -> String {
        if source.hasPrefix("env:") {
            let name = String(source.dropFirst(4))
            guard let value = substitution.environment[name] else {
                throw ConfigError("--config", "environment variable \(name) is not set")
            }
            return value
        }
        if source.hasPrefix("yaml:") { return String(source.dropFirst(5)) }
        let path = source.hasPrefix("file:") ? String(source.dropFirst(5)) : source
        do {
            let text = try FileText.read(path)
            filesRead.add(path, text)
            return text
        } catch {
            throw ConfigError("--config", error.message)
        }
    }
}

/// The files a config load read, in order, with what they held.
public final class FilesRead: Sendable {
    private let entries = Mutex<[(path: String, text: String)]>([])

    func add(_ path: String, _ text: String) {
        entries.withLock { $0.append((path, text)) }
    }

    public var all: [(path: String, text: String)] { entries.withLock { $0 } }
}
