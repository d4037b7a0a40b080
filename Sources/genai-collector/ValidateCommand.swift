import ArgumentParser
import CollectorCore
import CollectorRuntime
import Logging

/// `genai-collector validate FILE` / `--config SOURCE ...`: decodes and checks a config without
/// starting anything. Every mistake is printed with its key path; exit 1 if there is any.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a collector config (unknown keys, types, references) without starting anything.")

    @Argument(help: "Config files, merged in order.")
    var files: [String] = []

    @Option(name: .customLong("config"), help: "A config source: a file, file:PATH, env:VAR or yaml:TEXT. Repeatable; merged in order.")
    var configs: [String] = []

    func run() throws {
        let sources = files + configs
        let config = ConfigSources.load(sources)
        // The checks `run` makes before binding: files it must read, combinations it cannot run.
        do {
            try CollectorApp(config: config, logger: Logger(label: "genai-collector")).checkRunnable()
        } catch {
            ConfigSources.fail([error])
        }
        let lines = ["config is valid"] + config.summary
        FileInput.writeStdout(Array((lines.joined(separator: "\n") + "\n").utf8))
    }
}
