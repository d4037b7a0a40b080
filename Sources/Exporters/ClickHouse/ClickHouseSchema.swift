/// Langfuse's ClickHouse tables as data: columns (name, type, default, codec), skipping indexes,
/// partitioning and keys, in their final state after Langfuse's migrations (see the README). The DDL
/// (`genai-collector clickhouse-schema`, `create_schema: true`) and the row encoder both read these
/// definitions, so a column is named once.
public struct ClickHouseTable: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public let name: String
        public let type: String
        public let defaultExpression: String?
        public let codec: String?
        /// `MATERIALIZED` or `ALIAS` expressions: computed by ClickHouse, never inserted.
        public let materialized: String?
        public let alias: String?

        init(
            _ name: String, _ type: String, default defaultExpression: String? = nil, codec: String? = nil,
            materialized: String? = nil, alias: String? = nil
        ) {
            self.name = name
            self.type = type
            self.defaultExpression = defaultExpression
            self.codec = codec
            self.materialized = materialized
            self.alias = alias
        }

        /// Whether rows carry this column (computed ones are left to ClickHouse).
        public var isInserted: Bool { materialized == nil && alias == nil }
    }

    public struct Index: Sendable, Equatable {
        public let name: String
        public let expression: String
        public let type: String
    }

    public let name: String
    public let columns: [Column]
    public let indexes: [Index]
    public let partitionBy: String
    public let primaryKey: String
    public let orderBy: String
    public var sampleBy: String? = nil

    public func column(_ name: String) -> Column? { columns.first { $0.name == name } }
}

public enum ClickHouseSchema {
    public static let traces = ClickHouseTable(
        name: "traces",
        columns: [
            .init("id", "String"),
            .init("timestamp", "DateTime64(3)"),
            .init("name", "String"),
            .init("user_id", "Nullable(String)"),
            .init("metadata", "Map(LowCardinality(String), String)"),
            .init("release", "Nullable(String)"),
            .init("version", "Nullable(String)"),
            .init("project_id", "String"),
            .init("environment", "LowCardinality(String)", default: "'default'"),
            .init("public", "Bool"),
            .init("bookmarked", "Bool"),
            .init("tags", "Array(String)"),
            .init("input", "Nullable(String)", codec: "ZSTD(3)"),
            .init("output", "Nullable(String)", codec: "ZSTD(3)"),
            .init("session_id", "Nullable(String)"),
            .init("created_at", "DateTime64(3)", default: "now()"),
            .init("updated_at", "DateTime64(3)", default: "now()"),
            .init("event_ts", "DateTime64(3)"),
            .init("is_deleted", "UInt8"),
        ],
        indexes: [
            .init(name: "idx_id", expression: "id", type: "bloom_filter(0.001)"),
            .init(name: "idx_res_metadata_key", expression: "mapKeys(metadata)", type: "bloom_filter(0.01)"),
            .init(name: "idx_res_metadata_value", expression: "mapValues(metadata)", type: "bloom_filter(0.01)"),
            .init(name: "idx_session_id", expression: "session_id", type: "bloom_filter()"),
            .init(name: "idx_user_id", expression: "user_id", type: "bloom_filter()"),
            .init(name: "idx_created_at", expression: "created_at", type: "minmax"),
        ],
        partitionBy: "toYYYYMM(timestamp)",
        primaryKey: "(project_id, toDate(timestamp))",
        orderBy: "(project_id, toDate(timestamp), id)")

    public static let observations = ClickHouseTable(
        name: "observations",
        columns: [
            .init("id", "String"),
            .init("trace_id", "String"),
            .init("project_id", "String"),
            .init("environment", "LowCardinality(String)", default: "'default'"),
            .init("type", "LowCardinality(String)"),
            .init("parent_observation_id", "Nullable(String)"),
            .init("start_time", "DateTime64(3)"),
            .init("end_time", "Nullable(DateTime64(3))"),
            .init("name", "String"),
            .init("metadata", "Map(LowCardinality(String), String)"),
            .init("level", "LowCardinality(String)"),
            .init("status_message", "Nullable(String)"),
            .init("version", "Nullable(String)"),
            .init("input", "Nullable(String)", codec: "ZSTD(3)"),
            .init("output", "Nullable(String)", codec: "ZSTD(3)"),
            .init("provided_model_name", "Nullable(String)"),
            .init("internal_model_id", "Nullable(String)"),
            .init("model_parameters", "Nullable(String)"),
            .init("provided_usage_details", "Map(LowCardinality(String), UInt64)"),
            .init("usage_details", "Map(LowCardinality(String), UInt64)"),
            .init("provided_cost_details", "Map(LowCardinality(String), Decimal64(12))"),
            .init("cost_details", "Map(LowCardinality(String), Decimal64(12))"),
            .init("total_cost", "Nullable(Decimal64(12))"),
            .init("completion_start_time", "Nullable(DateTime64(3))"),
            .init("prompt_id", "Nullable(String)"),
            .init("prompt_name", "Nullable(String)"),
            .init("prompt_version", "Nullable(UInt16)"),
            .init("created_at", "DateTime64(3)", default: "now()"),
            .init("updated_at", "DateTime64(3)", default: "now()"),
            .init("event_ts", "DateTime64(3)"),
            .init("is_deleted", "UInt8"),
            .init("usage_pricing_tier_id", "Nullable(String)"),
            .init("usage_pricing_tier_name", "Nullable(String)"),
            .init("tool_definitions", "Map(String, String)", default: "map()"),
            .init("tool_calls", "Array(String)", default: "[]"),
            .init("tool_call_names", "Array(String)", default: "[]"),
        ],
        indexes: [
            .init(name: "idx_id", expression: "id", type: "bloom_filter()"),
            .init(name: "idx_trace_id", expression: "trace_id", type: "bloom_filter()"),
            .init(name: "idx_res_metadata_key", expression: "mapKeys(metadata)", type: "bloom_filter(0.01)"),
            .init(name: "idx_res_metadata_value", expression: "mapValues(metadata)", type: "bloom_filter(0.01)"),
            .init(name: "idx_created_at", expression: "created_at", type: "minmax"),
        ],
        partitionBy: "toYYYYMM(start_time)",
        primaryKey: "(project_id, type, toDate(start_time))",
        orderBy: "(project_id, type, toDate(start_time), id)")

    public static let scores = ClickHouseTable(
        name: "scores",
        columns: [
            .init("id", "String"),
            .init("timestamp", "DateTime64(3)"),
            .init("project_id", "String"),
            .init("environment", "LowCardinality(String)", default: "'default'"),
            .init("trace_id", "Nullable(String)"),
            .init("session_id", "Nullable(String)"),
            .init("dataset_run_id", "Nullable(String)"),
            .init("observation_id", "Nullable(String)"),
            .init("name", "String"),
            .init("value", "Float64"),
            .init("source", "String"),
            .init("comment", "Nullable(String)", codec: "ZSTD(1)"),
            .init("metadata", "Map(LowCardinality(String), String)"),
            .init("author_user_id", "Nullable(String)"),
            .init("config_id", "Nullable(String)"),
            .init("data_type", "String"),
            .init("string_value", "Nullable(String)"),
            .init("queue_id", "Nullable(String)"),
            .init("created_at", "DateTime64(3)", default: "now()"),
            .init("updated_at", "DateTime64(3)", default: "now()"),
            .init("event_ts", "DateTime64(3)"),
            .init("is_deleted", "UInt8"),
            .init("execution_trace_id", "Nullable(String)"),
            .init("long_string_value", "String", codec: "ZSTD(3)"),
            .init("ingestion_api_key", "String", default: "''"),
            .init("ingestion_sdk_name", "LowCardinality(String)", default: "'unknown'"),
            .init("ingestion_sdk_version", "LowCardinality(String)", default: "'unknown'"),
        ],
        indexes: [
            .init(name: "idx_id", expression: "id", type: "bloom_filter(0.001)"),
            .init(name: "idx_project_trace_observation", expression: "(project_id, trace_id, observation_id)", type: "bloom_filter(0.001)"),
            .init(name: "idx_project_session", expression: "(project_id, session_id)", type: "bloom_filter(0.001)"),
            .init(name: "idx_project_dataset_run", expression: "(project_id, dataset_run_id)", type: "bloom_filter(0.001)"),
            .init(name: "idx_created_at", expression: "created_at", type: "minmax"),
        ],
        partitionBy: "toYYYYMM(timestamp)",
        primaryKey: "(project_id, toDate(timestamp), name)",
        orderBy: "(project_id, toDate(timestamp), name, id)")

    /// Langfuse v3's tables (`langfuse_v3`).
    public static let v3: [ClickHouseTable] = [traces, observations, scores]
    /// Langfuse v4's tables (`langfuse_v4`): one row per span in `events_full`, and `scores`.
    public static let v4: [ClickHouseTable] = [eventsFull, scores]

    /// The tables a `schema` setting writes.
    public static func tables(_ schema: ClickHouseExporter.Config.Schema) -> [ClickHouseTable] {
        switch schema {
        case .langfuseV3: return v3
        case .langfuseV4: return v4
        case .both: return [traces, observations, eventsFull, scores]
        }
    }

    /// `CREATE TABLE IF NOT EXISTS` statements: unclustered (`ReplacingMergeTree`), or `ON CLUSTER`
    /// with `ReplicatedReplacingMergeTree`, as Langfuse's two migration folders create them.
    public static func ddl(_ tables: [ClickHouseTable], database: String?, cluster: String?) -> [String] {
        tables.map { t in
            let name = database.map { "\(quote($0)).\(quote(t.name))" } ?? quote(t.name)
            var lines = t.columns.map { c in
                "    \(quote(c.name)) \(c.type)" + (c.defaultExpression.map { " DEFAULT \($0)" } ?? "")
                    + (c.materialized.map { " MATERIALIZED \($0)" } ?? "") + (c.alias.map { " ALIAS \($0)" } ?? "")
                    + (c.codec.map { " CODEC(\($0))" } ?? "")
            }
            lines += t.indexes.map { "    INDEX \($0.name) \($0.expression) TYPE \($0.type) GRANULARITY 1" }
            let engine = cluster == nil ? "ReplacingMergeTree(event_ts, is_deleted)" : "ReplicatedReplacingMergeTree(event_ts, is_deleted)"
            return """
                CREATE TABLE IF NOT EXISTS \(name)\(cluster.map { " ON CLUSTER \(quote($0))" } ?? "")
                (
                \(lines.joined(separator: ",\n"))
                )
                ENGINE = \(engine)
                PARTITION BY \(t.partitionBy)
                PRIMARY KEY \(t.primaryKey)
                ORDER BY \(t.orderBy)\(t.sampleBy.map { "\nSAMPLE BY \($0)" } ?? "")
                """
        }
    }

    /// A ClickHouse string literal in single quotes.
    static func literal(_ text: String) -> String { enclosed(text, in: "'") }

    /// A ClickHouse identifier in back quotes.
    static func quote(_ identifier: String) -> String { enclosed(identifier, in: "`") }

    /// `text` between two `mark`s, the mark and backslashes escaped by a backslash.
    private static func enclosed(_ text: String, in mark: Character) -> String {
        var out = String(mark)
        for ch in text {
            if ch == "\\" || ch == mark { out.append("\\") }
            out.append(ch)
        }
        out.append(mark)
        return out
    }
}
