import Exporters
import Foundation
@testable import ExporterHelper
import Testing

/// The DDL runs unchanged in a real ClickHouse engine (chDB, embedded ClickHouse 26.x, installed by
/// the test command) and yields exactly the columns the table definitions name, in order.
@Suite(.timeLimit(.minutes(5)))
struct ClickHouseSchemaTests {
    /// Runs the statements in a fresh chDB database; returns `table<TAB>column<TAB>type` lines.
    func applyInChDB(_ statements: [String]) async throws -> [String] {
        let dir = NSTemporaryDirectory() + "genai-chdb-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let results = try await ClickHouseRowTests.chdb(
            dir,
            statements + [
                "SELECT table, name, type FROM system.columns WHERE database = currentDatabase() ORDER BY table, position"
            ])
        return results.last ?? []
    }

    @Test func theDDLCreatesExactlyTheDefinedColumns() async throws {
        let all = ClickHouseSchema.tables(.both)
        let rows = try await applyInChDB(ClickHouseSchema.ddl(all, database: nil, cluster: nil))
        for table in all {
            let got = rows.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }.filter { $0[0] == table.name }
            #expect(got.map { $0[1] } == table.columns.map(\.name), "\(table.name) columns")
            // ClickHouse spells Decimal64(12) as Decimal(18, 12).
            let expected = table.columns.map { $0.type.replacingOccurrences(of: "Decimal64(12)", with: "Decimal(18, 12)") }
            #expect(got.map { $0[2] } == expected, "\(table.name) types")
        }
    }

    @Test func clusteredDDLUsesReplicatedEnginesOnTheCluster() {
        let ddl = ClickHouseSchema.ddl([ClickHouseSchema.observations], database: "langfuse", cluster: "default")[0]
        #expect(ddl.hasPrefix("CREATE TABLE IF NOT EXISTS `langfuse`.`observations` ON CLUSTER `default`"))
        #expect(ddl.contains("ENGINE = ReplicatedReplacingMergeTree(event_ts, is_deleted)"))
        #expect(ddl.contains("ORDER BY (project_id, type, toDate(start_time), id)"))
    }
}
