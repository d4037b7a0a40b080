import CollectorCore
import ExporterHelper
import GenAIMapping

/// One trace's row as its columns' final text, free of any batch: what the exporter writes, keeps in
/// its `TraceRowCache` and reads back from ClickHouse, so a later batch's update merges into it.
public struct TraceRow: Sendable, Equatable {
    public struct MetadataEntry: Sendable, Equatable {
        public var key: String
        public var value: String
    }

    public let id: TraceID
    public var timestampMillis: Int64
    public var environment: String
    public var name: String?
    public var userID: String?
    public var sessionID: String?
    /// Sorted, without duplicates.
    public var tags: [String] = []
    /// Nil when no record stated it (written as false).
    public var isPublic: Bool?
    public var release: String?
    public var version: String?
    public var input: String?
    public var output: String?
    public var metadata: [MetadataEntry] = []
    /// Whether a full or update record (or a stored row) stands behind it; a trace known only from
    /// minimal records has no row to write.
    public var hasContent = false
    /// The `event_ts` it was last written with (or read back with): a later write of the same
    /// trace uses a later one, so ReplacingMergeTree keeps the newer row whatever the clocks do.
    public var eventMillis: Int64 = 0

    public init(id: TraceID, timestampMillis: Int64, environment: String) {
        self.id = id
        self.timestampMillis = timestampMillis
        self.environment = environment
    }

    /// Everything a row holds but its version.
    func sameContent(as other: TraceRow) -> Bool {
        var a = self, b = other
        a.eventMillis = 0
        b.eventMillis = 0
        return a == b
    }

    /// Roughly what it occupies, for the cache's memory bound.
    var approximateBytes: Int {
        var n = 256 + environment.utf8.count
        for s in [name, userID, sessionID, release, version, input, output] { n += s?.utf8.count ?? 0 }
        for t in tags { n += 16 + t.utf8.count }
        for m in metadata { n += 32 + m.key.utf8.count + m.value.utf8.count }
        return n
    }

    static let millisPerDay: Int64 = 86_400_000

    /// `update` folded over the stored row, by Langfuse's merge: later non-empty values win, tags
    /// are united, metadata is merged by top-level key, the environment stays the first one and the
    /// timestamp becomes the earliest. The timestamp only moves within its UTC day: `toDate(timestamp)`
    /// is part of the table's sorting key, and a row that moved day would not replace the old one.
    static func merge(_ base: TraceRow?, _ update: TraceRow) -> TraceRow {
        guard let base, base.hasContent || !update.hasContent else { return update }
        guard update.hasContent else { return base }
        var r = base
        if base.timestampMillis / millisPerDay == update.timestampMillis / millisPerDay {
            r.timestampMillis = min(base.timestampMillis, update.timestampMillis)
        }
        r.name = update.name ?? base.name
        r.userID = update.userID ?? base.userID
        r.sessionID = update.sessionID ?? base.sessionID
        if !update.tags.isEmpty { r.tags = Array(Set(base.tags).union(update.tags)).sorted() }
        r.isPublic = update.isPublic ?? base.isPublic
        r.release = update.release ?? base.release
        r.version = update.version ?? base.version
        r.input = update.input ?? base.input
        r.output = update.output ?? base.output
        for m in update.metadata {
            if let i = r.metadata.firstIndex(where: { $0.key == m.key }) { r.metadata[i].value = m.value } else { r.metadata.append(m) }
        }
        return r
    }
}

extension ClickHouseRowEncoder.MergedTrace {
    /// The batch's merged trace as column text.
    func row(_ parts: [LangfuseRecords]) -> TraceRow {
        var r = TraceRow(id: id, timestampMillis: ClickHouseRowEncoder.millis(timestampUnixNano), environment: environment)
        r.hasContent = hasContent
        guard hasContent else { return r }
        func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
        r.name = nonEmpty(name)
        r.userID = nonEmpty(userID)
        r.sessionID = nonEmpty(sessionID)
        r.tags = tags.sorted()
        r.isPublic = isPublic
        r.release = nonEmpty(release)
        r.version = nonEmpty(version)
        r.input = input.flatMap { nonEmpty(ClickHouseRowEncoder.columnText($0.0, parts[$0.1].batch)) }
        r.output = output.flatMap { nonEmpty(ClickHouseRowEncoder.columnText($0.0, parts[$0.1].batch)) }
        r.metadata = metadata.map { .init(key: $0.0.key, value: ClickHouseRowEncoder.columnText($0.0.value, parts[$0.1].batch)) }
        return r
    }
}

extension ClickHouseRowEncoder {
    /// A String column's text: a string value as it is, anything else as its JSON text.
    static func columnText(_ v: RecordValue, _ batch: TraceBatch) -> String {
        if case .attribute(.string(let r)) = v { return batch.string(r) }
        if case .json(.string(let s)) = v { return s }
        var inner = RecordJSONWriter(batch: batch, capacity: 64)
        inner.value(v)
        let bytes = inner.bytes
        // A value written as a JSON string goes into the column unquoted, as `stringColumn` writes it.
        if bytes.first == UInt8(ascii: "\""), let s = bytes.withUnsafeBufferPointer(JSONParser.decodeString) { return s }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The batch's trace rows, one per trace id in first-seen order (minimal-only traces included,
    /// without content).
    public func traceRows(_ parts: [LangfuseRecords]) -> [TraceRow] {
        let (order, merged) = Self.mergedTraces(parts)
        return order.compactMap { merged[$0]?.row(parts) }
    }

    /// Rows read back from ClickHouse: `traces` columns (v3), or the `trace_*` columns of each
    /// trace's latest `events_full` row (v4), as JSONEachRow. A line that is not such a row is an
    /// error: a merge over a misread row would write it back wrong.
    static func storedTraceRows(_ text: String, v4: Bool) throws(ExportFailure) -> [TraceRow] {
        var rows: [TraceRow] = []
        for line in text.split(separator: "\n") where !line.allSatisfy(\.isWhitespace) {
            let parsed: JSONValue
            do { parsed = try JSONParser().parse(String(line)) } catch {
                throw .permanent("ClickHouse answered the stored-trace read with a line that is not JSON: \(line.prefix(200))", cause: error)
            }
            guard case .object(let o) = parsed, let idText = o.value(for: v4 ? "trace_id" : "id")?.stringValue, let id = TraceID(hex: idText) else {
                throw .permanent("ClickHouse answered the stored-trace read with a line that is not a trace row: \(line.prefix(200))")
            }
            func text(_ k: String) -> String? { o.value(for: k)?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
            func int(_ k: String) -> Int64 {
                switch o.value(for: k) {
                case .int(let i)?: return i
                case .string(let s)?: return Int64(s) ?? 0
                default: return 0
                }
            }
            var r = TraceRow(id: id, timestampMillis: int("ts"), environment: text("environment") ?? "default")
            r.hasContent = true
            r.name = text(v4 ? "trace_name" : "name")
            r.userID = text("user_id")
            r.sessionID = text("session_id")
            r.tags = Array(Set((o.value(for: "tags")?.arrayValue ?? []).compactMap(\.stringValue))).sorted()
            if case .bool(let b)? = o.value(for: "public") { r.isPublic = b } else if case .int(let i)? = o.value(for: "public") { r.isPublic = i != 0 }
            r.release = text("release")
            r.version = text("version")
            r.input = text("input")
            r.output = text("output")
            r.metadata = (o.value(for: "metadata")?.objectValue ?? []).map { .init(key: $0.key, value: $0.value.stringValue ?? JSONWriter.serialize($0.value)) }
            r.eventMillis = int("ev")
            rows.append(r)
        }
        return rows
    }
}
