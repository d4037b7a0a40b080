import CollectorCore
import ExporterHelper
import ComponentModel
import Exporters
import Foundation
import GenAIMapping
import OTLP
import TestSupport
import Processors
import NIOHTTP1
import SwiftProtobuf

/// The ClickHouse exporter end to end into a real engine (chDB behind the project's HTTP front, or
/// `CLICKHOUSE_URL`), beside the engine's own limit: the same rows, already encoded, inserted the
/// same way (one insert per table per batch, async_insert) with no encoding in the loop.
enum ClickHouseBench {
    static func run(spans: Int, rounds: Int) async throws {
        let compression = ProcessInfo.processInfo.environment["BENCH_COMPRESSION"] ?? "gzip"
        let server = try await ClickHouseTestServer()
        defer { server.stop() }
        let database = "bench_\(UInt32.random(in: 0...UInt32.max))"
        let http = try HTTPTransport(tls: nil)
        let auth = "Basic " + Data("\(server.user):\(server.password)".utf8).base64EncodedString()
        func sql(_ query: String, body: [UInt8]? = nil) async throws -> String {
            let url =
                server.url + "/?query=" + (query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                + (body == nil ? "" : "&async_insert=1&wait_for_async_insert=1")
            let r = try await http.send(.POST, url, headers: [("Authorization", auth)], body: body, timeout: .seconds(120))
            guard r.status == 200 else { throw BenchFailure("\(query.prefix(80)): \(r.text)") }
            return r.text
        }
        _ = try await sql("CREATE DATABASE IF NOT EXISTS \(database)")
        for statement in ClickHouseSchema.ddl(ClickHouseSchema.v3, database: database, cluster: nil) { _ = try await sql(statement) }
        let entries = [
            ("endpoint", server.url), ("username", server.user), ("password", server.password), ("database", database),
            ("project_id", "bench"), ("compression", compression),
        ].map { ConfigEntry($0.0, .scalar($0.1, quoted: true)) }
        var map = try ConfigMap(.mapping(entries), path: "exporters.clickhouse")
        let exporter = try ClickHouseExporter(config: try ClickHouseExporter.Config(&map), settings: .standalone("clickhouse", .exporter))

        // Distinct ids per round (a seed each), translated and priced before the clock starts.
        func item(_ seed: UInt64) throws -> (ExportItem, Int) {
            var batch = try OTLPProtobufDecoder().decode(try SampleRequests.llmShaped(spans: spans, seed: seed).serializedBytes())
            _ = CostInferenceBenchSupport.price(&batch)
            let records = GenAITranslator().translate(batch)
            var traces: [UInt8] = []
            ClickHouseRowEncoder(projectID: "bench", eventTimeMillis: 1).traces([records], into: &traces)
            let rows = records.observations.count + traces.split(separator: 0x0A).count
            return (ExportItem(batch: batch, records: records), rows)
        }
        print("ClickHouse end to end (\(compression)): \(rounds) batches of \(spans) LLM-shaped spans into \(server.url) (database \(database))")
        try await exporter.export(try item(999).0)  // warm-up: connection, parts
        // Two batches in flight on each side, as the sending queue keeps several (num_consumers).
        let inFlight = 2
        var exporterRows = 0, exporterTime = 0.0, engineRows = 0, engineTime = 0.0
        let gzip = compression == "gzip"
        for round in 0..<rounds {
            // Alternate the two, so drift in the shared machine hits both alike.
            let mine = try (0..<inFlight).map { try item(UInt64(round * 10 + $0 + 1)) }
            var start = Date()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (a, _) in mine { group.addTask { try await exporter.export(a) } }
                try await group.waitForAll()
            }
            exporterTime += Date().timeIntervalSince(start)
            exporterRows += mine.reduce(0) { $0 + $1.1 }

            var bodies: [(traces: [UInt8], observations: [UInt8], rows: Int)] = []
            for k in 0..<inFlight {
                let (b, rows) = try item(UInt64(round * 10 + 5 + k))
                let encoder = ClickHouseRowEncoder(projectID: "bench", eventTimeMillis: 1)
                var traces: [UInt8] = [], observations: [UInt8] = []
                encoder.traces(b.records!, into: &traces)
                for r in b.records! { encoder.observations(r, into: &observations) }
                bodies.append((gzip ? try Gzip.compress(traces, level: 3) : traces, gzip ? try Gzip.compress(observations, level: 3) : observations, rows))
            }
            start = Date()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for body in bodies {
                    group.addTask {
                        _ = try await insert(http, server, auth, database, "traces", body.traces, gzip: gzip)
                        _ = try await insert(http, server, auth, database, "observations", body.observations, gzip: gzip)
                    }
                }
                try await group.waitForAll()
            }
            engineTime += Date().timeIntervalSince(start)
            engineRows += bodies.reduce(0) { $0 + $1.rows }
        }
        let count = try await sql("SELECT count() FROM \(database).observations").trimmingCharacters(in: .whitespacesAndNewlines)
        let exporterRate = Double(exporterRows) / exporterTime, engineRate = Double(engineRows) / engineTime
        print(String(format: "exporter (encode + gzip + insert):  %8.0f rows/s", exporterRate))
        print(String(format: "engine (pre-encoded, same inserts): %8.0f rows/s", engineRate))
        print(String(format: "ratio exporter / engine:            %8.2f   (%@ observation rows stored)", exporterRate / engineRate, count))
        await exporter.shutdown()
        await http.shutdown()
    }

    static func insert(
        _ http: HTTPTransport, _ server: ClickHouseTestServer, _ auth: String, _ database: String, _ table: String,
        _ gz: [UInt8], gzip: Bool
    ) async throws -> String {
        let query = "INSERT INTO `\(database)`.`\(table)` FORMAT JSONEachRow"
        let url =
            server.url + "/?query=" + (query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            + "&async_insert=1&wait_for_async_insert=1"
        let r = try await http.send(
            .POST, url, headers: [("Authorization", auth)] + (gzip ? [("Content-Encoding", "gzip")] : []), body: gz, timeout: .seconds(120))
        guard r.status == 200 else { throw BenchFailure(r.text) }
        return r.text
    }
}

enum CostInferenceBenchSupport {
    static let processor = CostInferenceProcessor(config: .init())
    static func price(_ batch: inout TraceBatch) -> Int {
        _ = processor.process(&batch)
        return batch.spans.count
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
