import ArgumentParser
import CollectorCore
import CollectorRuntime
import Logging

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

    func run() async throws {
        let sources = configs.isEmpty ? ["yaml:" + EmbeddedConfig.local] : configs
        let config = ConfigSources.load(sources)
        let level = Logger.Level(rawValue: config.telemetry.logLevel == "warn" ? "warning" : config.telemetry.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
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
        try await app.run()
    }
}
