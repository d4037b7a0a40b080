import CollectorCore
@testable import ExporterHelper
import ComponentModel
@testable import Exporters
import Foundation
import GenAIMapping
import TestSupport
import Testing
import NIOHTTP1

/// The clickhouse exporter against a real ClickHouse engine: chDB behind the project's HTTP front
/// (`scripts/chdb_http_front.py`), or a real server when `CLICKHOUSE_URL` is set (with
/// `CLICKHOUSE_USER`/`CLICKHOUSE_PASSWORD`; each test uses its own database).
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ClickHouseExporterTests {
    typealias Server = ClickHouseTestServer

    func exporter(
        _ server: Server, database: String, password: String? = nil, createSchema: Bool = true, url: String? = nil,
        schema: String = "langfuse_v3", extra: [ConfigEntry] = []
    ) throws -> ClickHouseExporter {
        var entries = [
            ConfigEntry("schema", .scalar(schema, quoted: true)),
            ConfigEntry("endpoint", .scalar(url ?? server.url, quoted: true)),
            ConfigEntry("username", .scalar(server.user, quoted: true)),
            ConfigEntry("password", .scalar(password ?? server.password, quoted: true)),
            ConfigEntry("database", .scalar(database, quoted: true)),
            ConfigEntry("project_id", .scalar("proj-1", quoted: true)),
            ConfigEntry("create_schema", .scalar(createSchema ? "true" : "false", quoted: false)),
            ConfigEntry("timeout", .scalar("3s", quoted: false)),
        ]
        if database != "default" && !extra.contains(where: { $0.key == "async_insert" }) {
            entries.append(ConfigEntry("async_insert", .scalar("true", quoted: false)))
        }
        entries += extra
        var map = try ConfigMap(.mapping(entries), path: "exporters.clickhouse")
        let config = try ClickHouseExporter.Config(&map)
        try map.finish()
        return try! ClickHouseExporter(config: config, settings: .standalone("clickhouse", .exporter))
    }

    static func item() throws -> ExportItem {
        let parts = try ClickHouseRowTests.records()
        return ExportItem(parts: parts.map(\.batch), records: parts)
    }

    func database(_ name: String, _ e: ClickHouseExporter) async throws -> String {
        let db = "t_\(name)_\(UInt32.random(in: 0...UInt32.max))"
        _ = try await e.send("CREATE DATABASE IF NOT EXISTS \(db)", body: nil)
        return db
    }

    @Test func exportsCreateTheSchemaAndResendsDoNotDouble() async throws {
        let server = try await Server()
        defer { server.stop() }
        let db = try await database("resend", try exporter(server, database: "default", createSchema: false))
        let e = try exporter(server, database: db)
        let item = try Self.item()
        let observations = item.records!.flatMap(\.observations).count
        let traces = Set(item.records!.flatMap(\.traces).filter { $0.kind != .minimal }.map(\.id)).count
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        try await e.export(item)
        try await e.export(item)  // a retry after a lost acknowledgement
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        func count(_ sql: String) async throws -> Int { Int(try await e.send(sql, body: nil).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 }
        // event_ts is the version ReplacingMergeTree keeps the latest of: the time of each write.
        let versions = try await e.send(
            "SELECT min(toUnixTimestamp64Milli(event_ts)), max(toUnixTimestamp64Milli(event_ts)) FROM \(db).observations FORMAT TSV", body: nil
        )
        .split(whereSeparator: \.isWhitespace).compactMap { Int64($0) }
        #expect(versions.count == 2 && versions[0] >= before && versions[1] <= after, "event_ts \(versions) outside \(before)...\(after)")
        #expect(try await count("SELECT count() FROM \(db).observations FINAL") == observations)
        #expect(try await count("SELECT count() FROM \(db).observations") == 2 * observations)
        #expect(try await count("SELECT count() FROM \(db).traces FINAL") == traces)
        // Scores (the evaluation fixture's three): both writes landed, one row per id is read.
        let scores = item.records!.flatMap(\.scores).count
        #expect(scores == 3)
        #expect(try await count("SELECT count() FROM \(db).scores") == 2 * scores)
        #expect(try await count("SELECT count() FROM \(db).scores FINAL WHERE project_id = 'proj-1' AND trace_id IS NOT NULL") == scores)
        #expect(
            try await count(
                "SELECT count() FROM \(db).observations FINAL WHERE project_id = 'proj-1' AND has(mapKeys(usage_details), 'total') AND type = 'GENERATION'") > 0
        )
    }

    /// `auth: basic`, `compression: none` and `async_insert: false` change how the inserts travel (the
    /// front reports what it saw) and not what lands; the defaults are headers, gzip and async inserts.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CLICKHOUSE_URL"] == nil, "the options are observed by the project's chDB front"))
    func authCompressionAndAsyncInsertOptions() async throws {
        let server = try await Server()
        defer { server.stop() }
        func stats() async throws -> [String: Int] {
            let r = try await HTTPTransport(tls: nil).send(.GET, server.url + "/stats", headers: [], body: nil, timeout: .seconds(5))
            let json = try JSONParser().parse(r.text)
            return Dictionary(
                uniqueKeysWithValues: ["auth_basic", "auth_headers", "gzip_bodies", "zstd_bodies", "plain_bodies", "async_insert", "inserts"].map {
                    ($0, Int(json[$0]?.numberValue ?? -1))
                })
        }
        let item = try Self.item()
        let observations = item.records!.flatMap(\.observations).count
        let db = try await database("options", try exporter(server, database: "default", createSchema: false))
        let plain = try exporter(
            server, database: db,
            extra: [
                ConfigEntry("auth", .scalar("basic", quoted: false)), ConfigEntry("compression", .scalar("none", quoted: false)),
                ConfigEntry("async_insert", .scalar("false", quoted: false)),
            ])
        #expect(try await plain.send("SELECT 1", body: nil).trimmingCharacters(in: .whitespacesAndNewlines) == "1")  // creates the schema
        let s0 = try await stats()
        try await plain.export(item)
        let s1 = try await stats()
        let inserts = s1["inserts"]! - s0["inserts"]!
        #expect(inserts >= 2)
        #expect(s1["plain_bodies"]! - s0["plain_bodies"]! == inserts && s1["gzip_bodies"] == s0["gzip_bodies"])
        #expect(s1["async_insert"] == s0["async_insert"])
        #expect(s1["auth_basic"]! - s0["auth_basic"]! >= inserts && s1["auth_headers"] == s0["auth_headers"])
        let defaults = try exporter(server, database: db, createSchema: false, extra: [])
        try await defaults.export(item)
        let s2 = try await stats()
        let more = s2["inserts"]! - s1["inserts"]!
        // The same batch again: its trace rows, read back, are unchanged and not written a second time.
        let traces = Set(item.records!.flatMap(\.traces).filter { $0.kind != .minimal }.map(\.id)).count
        #expect(defaults.counters.value(.traceRowCache, ["exporter": defaults.id, "outcome": "unchanged"]) == traces)
        #expect(more == inserts - 1)
        #expect(s2["gzip_bodies"]! - s1["gzip_bodies"]! == more && s2["async_insert"]! - s1["async_insert"]! == more)
        #expect(s2["auth_headers"]! - s1["auth_headers"]! >= more && s2["auth_basic"] == s1["auth_basic"])
        let count = try await defaults.send("SELECT count() FROM \(db).observations FINAL", body: nil)
        #expect(Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) == observations)
        // compression: zstd (ClickHouse decodes it; the front does with an independent zstd reader),
        // into a database of its own so that every row it lands is counted.
        let zdb = try await database("zstd", defaults)
        let zstd = try exporter(
            server, database: zdb,
            extra: [
                ConfigEntry("compression", .scalar("zstd", quoted: false)),
                ConfigEntry("compression_params", .mapping([ConfigEntry("level", .scalar("5", quoted: false))])),
            ])
        #expect(zstd.config.compression == BodyCompression(.zstd, level: 5))
        #expect(try await zstd.send("SELECT 1", body: nil).trimmingCharacters(in: .whitespacesAndNewlines) == "1")  // creates the schema
        let s3 = try await stats()
        try await zstd.export(item)
        let s4 = try await stats()
        #expect(s4["inserts"]! - s3["inserts"]! == inserts)
        #expect(s4["zstd_bodies"]! - s3["zstd_bodies"]! == inserts && s4["gzip_bodies"] == s3["gzip_bodies"] && s4["plain_bodies"] == s3["plain_bodies"])
        let landed = try await zstd.send("SELECT count() FROM \(zdb).observations", body: nil)
        #expect(Int(landed.trimmingCharacters(in: .whitespacesAndNewlines)) == observations)
    }

    /// `compression` and `compression_params` are the OpenTelemetry Collector's shape; gzip at level 1
    /// is the default, a level outside the codec's range or a misspelt key is an error.
    @Test func compressionSettingsAreValidated() throws {
        func config(_ extra: [ConfigEntry]) throws(ConfigError) -> ClickHouseExporter.Config {
            var map = try ConfigMap(
                .mapping(
                    [
                        ConfigEntry("endpoint", .scalar("http://127.0.0.1:8123", quoted: true)),
                        ConfigEntry("project_id", .scalar("p", quoted: true)),
                    ] + extra), path: "exporters.clickhouse")
            let c = try ClickHouseExporter.Config(&map)
            try map.finish()
            return c
        }
        #expect(try config([]).compression == BodyCompression(.gzip, level: 1))
        #expect(try config([ConfigEntry("compression", .scalar("none", quoted: false))]).compression == .none)
        let gzip9 = [ConfigEntry("compression_params", .mapping([ConfigEntry("level", .scalar("9", quoted: false))]))]
        #expect(try config(gzip9).compression == BodyCompression(.gzip, level: 9))
        func error(_ extra: [ConfigEntry]) -> String {
            do {
                let accepted = try config(extra)
                return "accepted: \(accepted.compression)"
            } catch { return error.description }
        }
        let zstd = ConfigEntry("compression", .scalar("zstd", quoted: false))
        #expect(
            error([zstd, ConfigEntry("compression_params", .mapping([ConfigEntry("level", .scalar("20", quoted: false))]))]).contains(
                "compression_params.level"))
        #expect(error([ConfigEntry("compression_params", .mapping([ConfigEntry("level", .scalar("0", quoted: false))]))]).contains("compression_params.level"))
        #expect(
            error([ConfigEntry("compression_params", .mapping([ConfigEntry("levle", .scalar("3", quoted: false))]))]).contains(
                "compression_params.levle: unknown key"))
        #expect(error([ConfigEntry("compression", .scalar("lz4", quoted: false))]).contains("exporters.clickhouse.compression"))
        // Langfuse decodes gzip only: zstd is refused there, by name.
        var langfuse = try ConfigMap(
            .mapping([
                ConfigEntry("host", .scalar("http://127.0.0.1:3000", quoted: true)), ConfigEntry("public_key", .scalar("pk", quoted: true)),
                ConfigEntry("secret_key", .scalar("sk", quoted: true)), zstd,
            ]), path: "exporters.langfuse")
        #expect(throws: ConfigError("exporters.langfuse.compression", "'zstd' is not one of gzip, none")) { try LangfuseExporter.Config(&langfuse) }
    }

    @Test func bothSchemasAreWrittenFromOneBatch() async throws {
        let server = try await Server()
        defer { server.stop() }
        let db = try await database("both", try exporter(server, database: "default", createSchema: false))
        let e = try exporter(server, database: db, schema: "both")
        let item = try Self.item()
        let observations = item.records!.flatMap(\.observations).count
        try await e.export(item)
        try await e.export(item)
        func count(_ sql: String) async throws -> Int { Int(try await e.send(sql, body: nil).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 }
        #expect(try await count("SELECT count() FROM \(db).observations FINAL") == observations)
        #expect(try await count("SELECT count() FROM \(db).events_full FINAL") == observations)
        #expect(
            try await count(
                "SELECT count() FROM \(db).events_full AS e FINAL JOIN \(db).observations AS o FINAL ON e.span_id = o.id AND e.trace_id = o.trace_id WHERE e.cost_details = o.cost_details AND e.usage_details = o.usage_details"
            ) == observations)
    }

    @Test func failuresAreClassified() async throws {
        let server = try await Server()
        defer { server.stop() }
        let item = try Self.item()
        // Wrong credentials: permanent (code 516).
        let wrong = try exporter(server, database: "default", password: "wrong")
        do {
            try await wrong.export(item)
            Issue.record("wrong password accepted")
        } catch {
            guard error.kind == .permanent else { Issue.record("\(error)"); return }
            let m = error.message
            #expect(m.contains("516"))
        }
        // No such table (schema not created): permanent, the message names it.
        let db = try await database("missing", try exporter(server, database: "default", createSchema: false))
        let noSchema = try exporter(server, database: db, createSchema: false)
        do {
            try await noSchema.export(item)
            Issue.record("insert into a missing table accepted")
        } catch {
            guard error.kind == .permanent else { Issue.record("\(error)"); return }
            let m = error.message
            #expect(m.contains("code 60"), "\(m)")
        }
        // Nobody listening: retryable.
        let nobody = try exporter(server, database: "default", url: "http://127.0.0.1:9")
        do {
            try await nobody.export(item)
            Issue.record("unreachable server accepted")
        } catch {
            guard error.kind == .retryable else { Issue.record("\(error)"); return }
            #expect(error.cause != nil, "the connection error is kept")
        }
    }

    @Test func classification() {
        #expect(
            ClickHouseExporter.classify(status: 400, code: 27, message: "Code: 27. DB::Exception: Cannot parse input", retryAfter: nil)
                == .permanent("ClickHouse 400 code 27: Code: 27. DB::Exception: Cannot parse input"))
        #expect(ClickHouseExporter.classify(status: 500, code: 53, message: "Code: 53. Type mismatch", retryAfter: nil).isPermanent)
        #expect(ClickHouseExporter.classify(status: 500, code: 117, message: "Code: 117. Incorrect data", retryAfter: nil).isPermanent)
        #expect(!ClickHouseExporter.classify(status: 500, code: 241, message: "Code: 241. Memory limit exceeded", retryAfter: nil).isPermanent)
        #expect(!ClickHouseExporter.classify(status: 503, code: nil, message: "busy", retryAfter: .seconds(2)).isPermanent)
        #expect(ClickHouseExporter.classify(status: 400, code: nil, message: "Code: 62. Syntax error", retryAfter: nil).isPermanent)
    }
}
