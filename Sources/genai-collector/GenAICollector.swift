import ArgumentParser

@main
struct GenAICollector: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genai-collector",
        abstract: "OpenTelemetry collector and translator for LLM and agent telemetry.",
        subcommands: [RunCommand.self, TranslateCommand.self, ValidateCommand.self],
        defaultSubcommand: RunCommand.self)
}
