import ArgumentParser
import Exporters

/// `genai-collector clickhouse-schema [--database DB] [--cluster NAME]`: prints the DDL of Langfuse's
/// ClickHouse tables, unclustered or `ON CLUSTER` with replicated engines, for review or for a
/// migration tool.
struct ClickHouseSchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clickhouse-schema",
        abstract: "Print the DDL of Langfuse's ClickHouse tables (v3: traces, observations, scores; v4: events_full, scores).")

    @Option(name: .customLong("database"), help: "Qualify the tables with this database.")
    var database: String?

    @Option(name: .customLong("cluster"), help: "Create ON CLUSTER NAME with ReplicatedReplacingMergeTree engines.")
    var cluster: String?

    @Option(name: .customLong("schema"), help: "langfuse_v3 (traces, observations, scores), langfuse_v4 (events_full, scores) or both.")
    var schema: String = "langfuse_v3"

    func run() throws {
        guard let tables = ClickHouseExporter.Config.Schema(rawValue: schema).map(ClickHouseSchema.tables) else {
            let names = ClickHouseExporter.Config.Schema.allCases.map(\.rawValue).joined(separator: ", ")
            FileInput.writeStderr("genai-collector: --schema: '\(schema)' is not one of \(names)\n")
            throw ExitCode(1)
        }
        let text = ClickHouseSchema.ddl(tables, database: database, cluster: cluster).map { $0 + ";\n" }.joined(separator: "\n")
        FileInput.writeStdout(Array(text.utf8))
    }
}
