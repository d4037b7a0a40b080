import CollectorCore
@testable import ExporterHelper
import ComponentModel
@testable import Exporters
import Foundation
import GenAIMapping
import OTLP
import TestSupport
import Testing

/// A trace's row stays whole when its spans arrive in different batches and across an exporter
/// restart: each update is merged into the row written before (kept in the exporter's cache, or read
/// back from ClickHouse after a restart), as Langfuse's worker merges into the stored row.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ClickHouseTraceMergeTests {
    typealias Server = ClickHouseTestServer
    let helpers = ClickHouseExporterTests()

    /// 2026-11-18T11:06:40Z: a fixed midday, so root and children fall on one UTC day.
    static let base: UInt64 = 1_795_000_000 * 1_000_000_000
    static let rootSpan = "00000000000000a1"

    struct Span {
        var id: String
        var parent: String?
        var name: String
        var offsetMillis: UInt64
        var attributes: [(String, String)] = []
        var tags: [String] = []
    }

    static func item(trace: String, _ spans: [Span]) throws -> ExportItem {
        func attribute(_ k: String, _ v: String) -> String { "{\"key\":\"\(k)\",\"value\":{\"stringValue\":\"\(v)\"}}" }
        let json = spans.map { s in
            var attributes = s.attributes.map { attribute($0.0, $0.1) }
            if !s.tags.isEmpty {
                let values = s.tags.map { "{\"stringValue\":\"\($0)\"}" }.joined(separator: ",")
                attributes.append("{\"key\":\"langfuse.trace.tags\",\"value\":{\"arrayValue\":{\"values\":[\(values)]}}}")
            }
            let start = base + s.offsetMillis * 1_000_000
            return """
                {"traceId":"\(trace)","spanId":"\(s.id)"\(s.parent.map { ",\"parentSpanId\":\"\($0)\"" } ?? ""),"name":"\(s.name)",\
                "kind":1,"startTimeUnixNano":"\(start)","endTimeUnixNano":"\(start + 500_000_000)","attributes":[\(attributes.joined(separator: ","))]}
                """
        }
        let request = """
            {"resourceSpans":[{"resource":{"attributes":[\(attribute("service.name", "support"))]},\
            "scopeSpans":[{"scope":{"name":"langfuse-sdk"},"spans":[\(json.joined(separator: ","))]}]}]}
            """
        let batch = try OTLPJSONDecoder().decode(Array(request.utf8))
        var stats = GenAITranslator.Stats()
        let records = GenAITranslator().translate(parts: [batch], stats: &stats)
        return ExportItem(parts: [batch], records: records)
    }

    /// The root with the trace's name, input and output; then children that add tags, a session
    /// and a user.
    static func steps(_ trace: String) throws -> (root: ExportItem, child1: ExportItem, child2: ExportItem) {
        let root = try item(
            trace: trace,
            [
                Span(
                    id: rootSpan, name: "handle", offsetMillis: 0,
                    attributes: [("langfuse.trace.name", "support-chat"), ("langfuse.trace.input", "the question"), ("langfuse.trace.output", "the answer")])
            ])
        let child1 = try item(
            trace: trace,
            [Span(id: "00000000000000b1", parent: rootSpan, name: "retrieve", offsetMillis: 100, attributes: [("langfuse.session.id", "s-1")], tags: ["beta"])])
        let child2 = try item(
            trace: trace,
            [Span(id: "00000000000000b2", parent: rootSpan, name: "generate", offsetMillis: 200, attributes: [("langfuse.user.id", "u-1")], tags: ["gamma"])])
        return (root, child1, child2)
    }

    static func newTrace() -> String { (0..<2).map { _ in Hex.encode(UInt64.random(in: 1...UInt64.max)) }.joined() }

    func cacheCount(_ e: ClickHouseExporter, _ outcome: String) -> Int {
        e.counters.value(.traceRowCache, ["exporter": e.id, "outcome": outcome])
    }

    @Test func v3RowsKeepTheRootAcrossBatchesAndARestart() async throws {
        let server = try await Server()
        defer { server.stop() }
        let db = try await helpers.database("merge3", try helpers.exporter(server, database: "default", createSchema: false))
        let trace = Self.newTrace()
        let (root, child1, child2) = try Self.steps(trace)
        #expect(child1.records![0].traces.map(\.kind) == [.update] && child2.records![0].traces.map(\.kind) == [.update])

        let first = try helpers.exporter(server, database: db)
        try await first.export(root)
        try await first.export(child1)
        #expect(cacheCount(first, "new") == 1 && cacheCount(first, "hit") == 1 && cacheCount(first, "stored") == 0)

        // After a restart, a child without trace attributes first: it writes no row, and must not
        // make the exporter believe the trace has none.
        let restarted = try helpers.exporter(server, database: db)
        let bare = try Self.item(trace: trace, [Span(id: "00000000000000b3", parent: Self.rootSpan, name: "log", offsetMillis: 150)])
        #expect(bare.records![0].traces.map(\.kind) == [.minimal])
        try await restarted.export(bare)
        try await restarted.export(child2)
        #expect(cacheCount(restarted, "stored") == 1, "the restarted exporter read the stored row back")
        try await restarted.export(child2)  // a resend changes nothing: no fourth row
        #expect(cacheCount(restarted, "hit") == 1 && cacheCount(restarted, "unchanged") == 1)

        let row = try await restarted.send(
            """
            SELECT name, input, output, arrayStringConcat(tags, ','), session_id, user_id, toUnixTimestamp64Milli(timestamp) \
            FROM \(db).traces FINAL WHERE id = '\(trace)' FORMAT TSV
            """, body: nil
        ).trimmingCharacters(in: .newlines).split(separator: "\t").map(String.init)
        #expect(row == ["support-chat", "the question", "the answer", "beta,gamma", "s-1", "u-1", "\(Self.base / 1_000_000)"])
        let written = try await restarted.send("SELECT count() FROM \(db).traces WHERE id = '\(trace)' FORMAT TSV", body: nil)
        #expect(written.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
    }

    /// The same sequence without the cache and without reading back regresses the row: what the
    /// test above guards against.
    @Test func withoutTheMergeTheLaterChildReplacesTheRoot() async throws {
        let server = try await Server()
        defer { server.stop() }
        let db = try await helpers.database("nomerge", try helpers.exporter(server, database: "default", createSchema: false))
        let trace = Self.newTrace()
        let (root, child1, _) = try Self.steps(trace)
        let off = ConfigEntry(
            "trace_cache", .mapping([ConfigEntry("ttl", .scalar("0s", quoted: false)), ConfigEntry("read_stored", .scalar("false", quoted: false))]))
        let e = try helpers.exporter(server, database: db, extra: [off])
        try await e.export(root)
        try await e.export(child1)
        let row = try await e.send("SELECT name, ifNull(input, 'NULL') FROM \(db).traces FINAL WHERE id = '\(trace)' FORMAT TSV", body: nil)
        #expect(row.trimmingCharacters(in: .newlines) == "\tNULL")
    }

    @Test func v4RowsCarryTheMergedTraceAcrossBatchesAndARestart() async throws {
        let server = try await Server()
        defer { server.stop() }
        let db = try await helpers.database("merge4", try helpers.exporter(server, database: "default", createSchema: false))
        let trace = Self.newTrace()
        let (root, child1, child2) = try Self.steps(trace)

        let first = try helpers.exporter(server, database: db, schema: "langfuse_v4")
        try await first.export(root)
        try await first.export(child1)
        let restarted = try helpers.exporter(server, database: db, schema: "langfuse_v4")
        try await restarted.export(child2)
        #expect(cacheCount(restarted, "stored") == 1, "the restarted exporter read the latest events_full row back")

        let rows = try await restarted.send(
            """
            SELECT name, trace_name, arrayStringConcat(tags, ','), session_id, user_id \
            FROM \(db).events_full FINAL WHERE trace_id = '\(trace)' ORDER BY start_time FORMAT TSV
            """, body: nil
        ).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(
            rows == [
                ["handle", "support-chat", "", "", ""],
                ["retrieve", "support-chat", "beta", "s-1", ""],
                ["generate", "support-chat", "beta,gamma", "s-1", "u-1"],
            ])
    }

    @Test func configIsValidated() throws {
        func error(_ cache: [ConfigEntry]) -> String {
            var map = try! ConfigMap(
                .mapping([
                    ConfigEntry("endpoint", .scalar("http://127.0.0.1:8123", quoted: true)), ConfigEntry("project_id", .scalar("p", quoted: true)),
                    ConfigEntry("trace_cache", .mapping(cache)),
                ]), path: "exporters.clickhouse")
            do {
                _ = try ClickHouseExporter.Config(&map)
                try map.finish()
                return ""
            } catch { return "\(error)" }
        }
        #expect(error([ConfigEntry("ttl", .scalar("5m", quoted: false))]) == "")
        #expect(error([ConfigEntry("tll", .scalar("5m", quoted: false))]).contains("tll"))
        #expect(error([ConfigEntry("max_size_mib", .scalar("0", quoted: false))]).contains("max_size_mib"))
    }
}
