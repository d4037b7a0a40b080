import ArgumentParser
import CollectorCore
import CollectorRuntime
import Foundation
import Logging
import Synchronization

/// `genai-collector [run] [--config SOURCE ...]`: the daemon. Like the OpenTelemetry Collector's
/// binary, `--config` takes a file or `env:VAR` (and `file:PATH`, `yaml:TEXT`), repeatable and merged
/// in order; without one it runs the embedded default (`pipelines/local.yaml`). A bad config exits
/// non-zero before binding any port.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the collector (the default when no subcommand is given).")

    @Option(name: .customLong("config"), help: "A config source: a file, file:PATH, env:VAR or yaml:TEXT. Repeatable; merged in order.")
    var configs: [String] = []

    @Option(
        name: .customLong("ports-file"),
        help:
            "Write the bound ports as JSON ({\"otlp/http\": 4318, \"metrics\": 8888, ...}) to this file, rewritten as each server binds; with endpoints on port 0 this is how to find them."
    )
    var portsFile: String?

    func run() async throws {
        let sources = configs.isEmpty ? ["yaml:" + EmbeddedConfig.local] : configs
        // The files it reads (config files, ${file:} secrets) are watched, and SIGHUP reloads too.
        let source = ConfigSource(sources: sources)
        let loaded: LoadedConfig
        do {
            loaded = try source.load()
        } catch let error as ConfigErrors {
            ConfigSources.fail(error.errors)
        }
        let config = loaded.config
        let level = Logger.Level(rawValue: config.telemetry.logLevel == "warn" ? "warning" : config.telemetry.logLevel) ?? .info
        let json = config.telemetry.logEncoding == "json"
        LoggingSystem.bootstrap { label in
            if json { return JSONLogHandler(label: label, level: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let app = CollectorApp(config: config, logger: Logger(label: "genai-collector"))
        do {
            try app.checkRunnable()
        } catch {
            ConfigSources.fail([error])
        }
        let ports = Mutex<[String: Int]>([:])
        let portsFile = portsFile
        try await app.run(reload: (source, loaded)) { name, port in
            guard let portsFile else { return }
            // Servers bind on different threads: one writer at a time, so the file ends with all.
            ports.withLock { all in
                all[name] = port
                let json = JSONValue.object(all.sorted { $0.key < $1.key }.map { JSONMember($0.key, .int(Int64($0.value))) })
                // Written aside and renamed, so a reader never sees half a file.
                let temporary = portsFile + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
                do {
                    try Data((JSONWriter.serialize(json) + "\n").utf8).write(to: URL(fileURLWithPath: temporary))
                    if rename(temporary, portsFile) != 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                } catch {
                    Logger(label: "genai-collector").error("cannot write the ports file", metadata: ["path": "\(portsFile)", "error": "\(error)"])
                }
            }
        }
    }
}
