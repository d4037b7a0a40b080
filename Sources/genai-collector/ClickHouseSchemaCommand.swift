import ArgumentParser
import Exporters

/// `genai-collector clickhouse-schema [--database DB] [--cluster NAME]`: prints the DDL of Langfuse's
/// ClickHouse tables, unclustered or `ON CLUSTER` with replicated engines, for review or for a
/// migration tool.
struct ClickHouseSchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clickhouse-schema",
        abstract: "Print the DDL of Langfuse's ClickHouse tables (traces, observations, scores).")

    @Option(name: .customLong("database"), help: "Qualify the tables with this database.")
    var database: String?

    @Option(name: .customLong("cluster"), help: "Create ON CLUSTER NAME with ReplicatedReplacingMergeTree engines.")
    var cluster: String?

    @Option(name: .customLong("schema"), help: "langfuse_v3 (traces, observations, scores).")
    var schema: String = "langfuse_v3"

    func run() throws {
        guard schema == "langfuse_v3" else {
            FileInput.writeStderr("genai-collector: --schema: '\(schema)' is not available yet (langfuse_v3)\n")
            throw ExitCode(1)
        }
        let text = ClickHouseSchema.ddl(ClickHouseSchema.v3, database: database, cluster: cluster).map { $0 + ";\n" }.joined(separator: "\n")
        FileInput.writeStdout(Array(text.utf8))
    }
}
