import AsyncHTTPClient
import CollectorCore
import ExporterHelper
import ComponentModel
import Foundation
import GenAIMapping
import NIOCore
import NIOHTTP1
import OTLP
import Synchronization

extension ClickHouseExporter {
    /// `exporters.clickhouse`: Langfuse's tables over ClickHouse's HTTP interface.
    ///
    /// ```yaml
    /// clickhouse:
    ///   endpoint: ${env:CLICKHOUSE_URL}       # http(s)://host:8123
    ///   username: ${env:CLICKHOUSE_USER:-default}
    ///   password: ${env:CLICKHOUSE_PASSWORD:-}
    ///   auth: headers                          # headers (X-ClickHouse-User/Key) or basic
    ///   database: ${env:CLICKHOUSE_DB:-default}
    ///   project_id: ${env:LANGFUSE_PROJECT_ID} # written to every row
    ///   schema: langfuse_v3                    # traces + observations; langfuse_v4: events_full; both
    ///   create_schema: false                   # true: CREATE TABLE IF NOT EXISTS before the first insert
    ///   cluster: ""                            # with create_schema: ON CLUSTER, replicated engines
    ///   compression: gzip                      # gzip, zstd (ClickHouse decodes both) or none
    ///   compression_params: {level: 1}         # gzip 1 (fastest, the default) … 9; zstd 1 … 19 (3)
    ///   async_insert: true                     # async_insert=1, wait_for_async_insert=1, as Langfuse
    ///   trace_cache:                           # trace rows merged across batches (see `TraceRowCache`)
    ///     ttl: 10m                             # kept this long after their last write; 0: not kept
    ///     max_size_mib: 64                     # memory bound, least recently written dropped first
    ///     read_stored: true                    # on a miss, read the stored row (SELECT … FINAL) first
    ///   tls: {ca_file: …, cert_file: …, key_file: …, insecure_skip_verify: false}   # for https://
    ///   prompt_lookup:                         # prompt_id from Langfuse's API (see `PromptIDs`)
    ///     endpoint: ${env:LANGFUSE_HOST}
    ///     public_key: ${env:LANGFUSE_PUBLIC_KEY}
    ///     secret_key: ${env:LANGFUSE_SECRET_KEY}
    ///     timeout: 2s                          # per lookup; then the id is left empty
    ///     ttl: 1h                              # a known id is kept this long
    ///     negative_ttl: 5m                     # an unknown prompt or a failed lookup is not asked again sooner
    ///     max_entries: 10000
    /// ```
    public struct Config: ExporterConfiguration {
        public static let type = "clickhouse"
        /// Which of Langfuse's table layouts the exporter writes.
        public enum Schema: String, Sendable, CaseIterable {
            case langfuseV3 = "langfuse_v3", langfuseV4 = "langfuse_v4", both
        }

        public var endpoint: String
        public var username: String?
        public var password: String
        public var basicAuth: Bool
        public var database: String
        public var projectID: String
        public var schema: Schema
        public var createSchema: Bool
        public var cluster: String?
        public var compression: BodyCompression
        public var asyncInsert: Bool
        public var traceCacheTTL: Duration
        public var traceCacheMaxBytes: Int
        public var readStoredTraces: Bool
        public var tls: TLSClientConfig?
        public var sending: ExporterSettings
        var promptLookup: PromptIDs.Settings?

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            endpoint = try map.requiredString("endpoint")
            guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://"), URL(string: endpoint)?.host != nil else {
                throw ConfigError(map.childPath("endpoint"), "expected an http:// or https:// URL, got '\(endpoint)'")
            }
            while endpoint.hasSuffix("/") { endpoint.removeLast() }
            username = try map.string("username").flatMap { $0.isEmpty ? nil : $0 }
            password = try map.string("password", default: "")
            basicAuth = try map.choice("auth", ["headers", "basic"], default: "headers") == "basic"
            database = try map.string("database", default: "default")
            if database.isEmpty { database = "default" }
            projectID = try map.requiredString("project_id")
            schema = try map.choice("schema", default: Schema.langfuseV3)
            createSchema = try map.bool("create_schema", default: false)
            cluster = try map.string("cluster").flatMap { $0.isEmpty ? nil : $0 }
            compression = try BodyCompression.decode(&map, offering: [.gzip, .zstd, .none], gzipLevel: 1)
            asyncInsert = try map.bool("async_insert", default: true)
            var cache = try map.mapOrEmpty("trace_cache")
            traceCacheTTL = try cache.duration("ttl", default: .seconds(600))
            traceCacheMaxBytes = try cache.int("max_size_mib", default: 64, range: 1...65_536) << 20
            readStoredTraces = try cache.bool("read_stored", default: true)
            try cache.finish()
            tls = try map.tlsClient()
            if var p = try map.map("prompt_lookup") {
                promptLookup = PromptIDs.Settings(
                    endpoint: try p.baseURL("endpoint", what: "Langfuse's base URL"), publicKey: try p.requiredString("public_key"),
                    secretKey: try p.requiredString("secret_key"),
                    timeout: try p.duration("timeout", default: .seconds(2)), ttl: try p.duration("ttl", default: .seconds(3600)),
                    negativeTTL: try p.duration("negative_ttl", default: .seconds(300)),
                    maxEntries: try p.int("max_entries", default: 10000, range: 1...10_000_000))
                try p.finish()
            }
            sending = try ExporterSettings(&map)
        }
    }
}

/// Writes each batch's records as complete rows: one `INSERT … FORMAT JSONEachRow` per table per
/// batch (the batch processor before it sizes the inserts). ClickHouse's answer decides: bad data
/// (parse, type, unknown column: codes such as 27, 53, 117), unknown tables, and refused
/// credentials are permanent; network errors, timeouts and 5xx are retried.
public final class ClickHouseExporter: Exporter {
    public let id: String
    public let needsRecords = true
    let config: ClickHouseExporter.Config
    let transport: HTTPTransport
    private let schemaCreated = Mutex(false)
    let traceRows: TraceRowCache
    let counters: Counters
    let prompts: PromptIDs?

    public init(config: Config, settings: ComponentSettings) throws(ExportFailure) {
        self.id = settings.id.description
        self.config = config
        counters = settings.counters
        traceRows = TraceRowCache(limits: .init(ttl: config.traceCacheTTL, maxBytes: config.traceCacheMaxBytes), time: Timeline(settings.clock))
        transport = try HTTPTransport(tls: config.tls)
        prompts = try config.promptLookup.map { s throws(ExportFailure) in
            PromptIDs(
                settings: s, exporter: settings.id.description, counters: settings.counters, time: Timeline(settings.clock),
                transport: try HTTPTransport(tls: nil))
        }
    }

    public func export(_ item: ExportItem) async throws(ExportFailure) {
        guard let records = item.records else { return }
        if config.createSchema && !schemaCreated.withLock({ $0 }) {
            for statement in ClickHouseSchema.ddl(ClickHouseSchema.tables(config.schema), database: config.database, cluster: config.cluster) {
                _ = try await send(statement, body: nil)
            }
            schemaCreated.withLock { $0 = true }
        }
        let now = Self.nowMillis()
        var promptIDs: [PromptIDs.Key: String] = [:]
        if let prompts {
            var keys = Set<PromptIDs.Key>()
            for r in records {
                for o in r.observations { if let name = o.promptName, let version = o.promptVersion { keys.insert(.init(name: name, version: version)) } }
            }
            promptIDs = await prompts.resolve(keys)
        }
        let encoder = ClickHouseRowEncoder(projectID: config.projectID, eventTimeMillis: now, promptIDs: promptIDs)
        let schema = config.schema
        // The traces whose stored rows matter: those this batch changes (v3), and for v4 every trace
        // with an observation here, whose rows repeat the trace's fields.
        var ids: [TraceID] = []
        var seen = Set<TraceID>()
        for r in records {
            for t in r.traces where (schema != .langfuseV3 || t.kind != .minimal) && seen.insert(t.id).inserted { ids.append(t.id) }
        }
        let missing = traceRows.missing(ids)
        var read: [TraceID: TraceRow] = [:]
        if config.readStoredTraces && !missing.isEmpty {
            for r in try await readStored(missing) { read[r.id] = r }
        }
        let stored = read
        let cache = traceRows
        // Rows are encoded off the event loops (see `offLoop`).
        let (traces, observations, events, scores, outcome) = try await offLoop("the row encoding") {
            () -> ([UInt8], [UInt8], [UInt8], [UInt8], TraceRowCache.Outcome) in
            var traces: [UInt8] = [], observations: [UInt8] = [], events: [UInt8] = [], scores: [UInt8] = []
            let outcome = cache.apply(encoder.traceRows(records), stored: stored, nowMillis: now)
            if schema != .langfuseV4 {
                encoder.traces(rows: outcome.write, into: &traces)
                for r in records { encoder.observations(r, into: &observations) }
            }
            if schema != .langfuseV3 { encoder.events(records, traces: outcome.merged, into: &events) }
            encoder.scores(records, into: &scores)
            return (traces, observations, events, scores, outcome)
        }
        count(outcome, found: stored.count)
        do {
            // Traces first: an observation row never waits on its trace row.
            if !traces.isEmpty { _ = try await send(insert("traces"), body: traces) }
            if !observations.isEmpty { _ = try await send(insert("observations"), body: observations) }
            if !events.isEmpty { _ = try await send(insert("events_full"), body: events) }
            // Scores last: the observation they score is there first.
            if !scores.isEmpty { _ = try await send(insert("scores"), body: scores) }
        } catch {
            // What the cache now holds may not have landed; the next update reads what did.
            traceRows.forget(Array(outcome.merged.keys))
            throw error
        }
    }

    private func count(_ o: TraceRowCache.Outcome, found: Int) {
        let exporter = id
        counters.add(
            [
                (.init(.traceRowCache, ["exporter": exporter, "outcome": "hit"]), Double(o.hits)),
                (.init(.traceRowCache, ["exporter": exporter, "outcome": "stored"]), Double(found)),
                (.init(.traceRowCache, ["exporter": exporter, "outcome": "new"]), Double(o.merged.count - o.hits - found)),
                (.init(.traceRowCache, ["exporter": exporter, "outcome": "unchanged"]), Double(o.unchanged)),
                (.init(.traceRowCache, ["exporter": exporter, "outcome": "evicted"]), Double(o.evicted)),
            ].filter { $0.1 > 0 })
        counters.set(.traceRowCacheBytes, traceRows.bytes, ["exporter": exporter])
    }

    /// The stored rows of these traces, read in chunks (one query per 500 ids): `traces FINAL`, or
    /// for `langfuse_v4` alone each trace's latest `events_full` row.
    func readStored(_ ids: [TraceID]) async throws(ExportFailure) -> [TraceRow] {
        let v4 = config.schema == .langfuseV4
        let db = ClickHouseSchema.quote(config.database)
        let project = ClickHouseSchema.literal(config.projectID)
        var rows: [TraceRow] = []
        for start in stride(from: 0, to: ids.count, by: 500) {
            let list = ids[start..<min(start + 500, ids.count)].map { "'\($0.hex)'" }.joined(separator: ",")
            let sql =
                v4
                ? """
                SELECT trace_id, trace_name, user_id, session_id, tags, release, public, toUnixTimestamp64Milli(event_ts) AS ev \
                FROM \(db).events_full WHERE project_id = \(project) AND trace_id IN (\(list)) \
                ORDER BY event_ts DESC LIMIT 1 BY trace_id FORMAT JSONEachRow
                """
                : """
                SELECT id, toUnixTimestamp64Milli(timestamp) AS ts, name, user_id, metadata, release, version, environment, public, \
                tags, input, output, session_id, toUnixTimestamp64Milli(event_ts) AS ev \
                FROM \(db).traces FINAL WHERE project_id = \(project) AND id IN (\(list)) FORMAT JSONEachRow
                """
            do throws(ExportFailure) {
                rows += try ClickHouseRowEncoder.storedTraceRows(try await send(sql, body: nil), v4: v4)
            } catch {
                throw error.context("reading the stored rows of \(ids.count) traces (a user without SELECT: set trace_cache.read_stored: false)")
            }
        }
        return rows
    }

    public func shutdown() async { await transport.shutdown() }

    func insert(_ table: String) -> String {
        "INSERT INTO \(ClickHouseSchema.quote(config.database)).\(ClickHouseSchema.quote(table)) FORMAT JSONEachRow"
    }

    /// Runs one statement (rows in `body` for an insert); returns the response text.
    func send(_ query: String, body: [UInt8]?) async throws(ExportFailure) -> String {
        var url = "\(config.endpoint)/?query=\(Self.percentEncode(query))&database=\(Self.percentEncode(config.database))"
        if body != nil && config.asyncInsert { url += "&async_insert=1&wait_for_async_insert=1" }
        var headers: [(String, String)] = [("Content-Type", "application/octet-stream")]
        if let user = config.username {
            if config.basicAuth {
                headers.append(("Authorization", "Basic " + Base64.encode("\(user):\(config.password)".utf8)))
            } else {
                headers.append(("X-ClickHouse-User", user))
                headers.append(("X-ClickHouse-Key", config.password))
            }
        }
        let response = try await transport.post(url, headers: headers, body: body ?? [], compression: config.compression, timeout: config.sending.timeout)
        guard response.status == 200 else {
            throw Self.classify(
                status: response.status, code: response.headers.first(name: "X-ClickHouse-Exception-Code").flatMap(Int.init),
                message: response.text, retryAfter: response.retryAfter)
        }
        return response.text
    }

    /// ClickHouse error codes that resending the same rows cannot fix.
    static let permanentCodes: Set<Int> = [
        6, 26, 27, 38, 41, 53, 62, 69, 70, 72, 117, 130, 131, 386,  // parse and type errors in the data
        8, 16, 47,  // missing or unknown columns
        60, 81,  // unknown table or database
        497, 516,  // not allowed, authentication failed
    ]

    static func classify(status: UInt, code: Int?, message: String, retryAfter: Duration?) -> ExportFailure {
        let code = code ?? Int(message.split(separator: ".").first.map { $0.replacingOccurrences(of: "Code: ", with: "") } ?? "")
        let summary = "ClickHouse \(status)\(code.map { " code \($0)" } ?? ""): \(message.prefix(300).trimmingCharacters(in: .whitespacesAndNewlines))"
        if let code, permanentCodes.contains(code) { return .permanent(summary) }
        // ClickHouse's proxies send Retry-After with 429 and 503 only.
        return .http(status, summary, retryAfter: status == 429 || status == 503 ? retryAfter : nil)
    }

    static func percentEncode(_ s: String) -> String { PercentEncoding.encode(s) }

    static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
