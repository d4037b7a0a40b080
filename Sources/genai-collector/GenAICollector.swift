import ArgumentParser

@main
struct GenAICollector: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genai-collector",
        abstract: "OpenTelemetry collector and translator for LLM and agent telemetry.",
        subcommands: [TranslateCommand.self, ValidateCommand.self])
}
