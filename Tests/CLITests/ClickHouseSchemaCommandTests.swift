import Foundation
import TestSupport
import Testing

/// `genai-collector clickhouse-schema` as a user runs it: its DDL is executed by a real ClickHouse
/// engine (chDB), which then has the tables with the columns the exporter writes; a bad `--schema` is
/// an error; `--cluster` makes replicated engines.
@Suite(.timeLimit(.minutes(5)))
struct ClickHouseSchemaCommandTests {
    let cli = TranslateCommandTests()
    static let chdbRun = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ExportersTests/chdb_run.py").path

    /// Runs statements in a fresh chDB database; returns each result.
    func chdb(_ statements: [String]) async throws -> (Int32, String) {
        let dir = NSTemporaryDirectory() + "genai-chdb-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await PythonTool.run([Self.chdbRun, dir], input: Array(try JSONSerialization.data(withJSONObject: statements)))
        return (r.status, r.text + r.stderr)
    }

    @Test(arguments: ["langfuse_v3", "langfuse_v4", "both"])
    func theDDLRunsInARealEngine(_ schema: String) async throws {
        let r = try await cli.run(["clickhouse-schema", "--schema", schema, "--database", "lf"])
        #expect(r.status == 0, "\(r.stderr)")
        let ddl = String(decoding: r.stdout, as: UTF8.self)
        let statements = ddl.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        let tables = [
            "langfuse_v3": ["observations", "scores", "traces"], "langfuse_v4": ["events_full", "scores"],
            "both": ["events_full", "observations", "scores", "traces"],
        ][schema]!
        #expect(statements.count == tables.count)
        let (status, out) = try await chdb(["CREATE DATABASE lf"] + statements + ["SELECT name FROM system.tables WHERE database = 'lf' ORDER BY name"])
        #expect(status == 0, "\(out)")
        #expect(out.contains(tables.joined(separator: "\n")), "\(out)")
        if schema != "langfuse_v4" {
            let (s2, columns) = try await chdb(
                ["CREATE DATABASE lf"] + statements + [
                    "SELECT name FROM system.columns WHERE database = 'lf' AND table = 'observations' AND name IN ('event_ts', 'is_deleted', 'usage_details', 'cost_details', 'project_id') ORDER BY name"
                ])
            #expect(s2 == 0 && columns.contains("cost_details\nevent_ts\nis_deleted\nproject_id\nusage_details"), "\(columns)")
        }
    }

    @Test func clusterAndBadSchema() async throws {
        let clustered = try await cli.run(["clickhouse-schema", "--cluster", "default"])
        #expect(clustered.status == 0)
        let text = String(decoding: clustered.stdout, as: UTF8.self)
        #expect(text.contains("ON CLUSTER `default`") && text.contains("ReplicatedReplacingMergeTree(event_ts, is_deleted)"))
        let bad = try await cli.run(["clickhouse-schema", "--schema", "langfuse_v9"])
        #expect(bad.status == 1 && bad.stderr.contains("--schema: 'langfuse_v9' is not one of"), "\(bad.stderr)")
        #expect(bad.stdout.isEmpty)
    }
}
