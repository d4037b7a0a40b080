import ArgumentParser
import CollectorRuntime

@main
struct GenAICollector: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genai-collector",
        abstract: "OpenTelemetry collector and translator for LLM and agent telemetry.",
        subcommands: [
            RunCommand.self, TranslateCommand.self, ValidateCommand.self, ProcessCommand.self, ComponentsCommand.self, ClickHouseSchemaCommand.self,
            DashboardsCommand.self,
        ],
        defaultSubcommand: RunCommand.self)

    static func main() async {
        // First, on the main thread, before any task is scheduled.
        CollectorApp.runTasksOnEventLoops()
        CollectorApp.returnLargeBuffersToTheSystem()
        await main(nil)
    }
}
