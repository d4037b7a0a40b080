import CollectorCore
import ExporterHelper
import GenAIMapping

/// Langfuse records as ClickHouse rows (JSONEachRow, one complete row a line) for Langfuse's v3
/// `traces` and `observations` tables, as Langfuse's own writer shapes them:
/// - DateTime64(3) columns as epoch seconds with three decimals (`1716000000.123`): ClickHouse 26.x
///   reads a bare integer as seconds, whatever the column's precision, so integer milliseconds would
///   land a thousand times later; decimal seconds read the same in every version and time zone.
///   `event_ts` is the encoding time, `is_deleted` 0;
/// - `input`, `output`, `model_parameters` as strings (a string value as it is, anything else as
///   its JSON text); `metadata` as a map of its top-level keys (strings as they are, other values as
///   JSON text);
/// - `usage_details` and `cost_details` always with `total`; `total_cost` is the cost total; costs
///   clamped to the Decimal64(12) range;
/// - the spans of one trace in one batch merged into one trace row; a trace known only from child
///   spans without trace attributes gets no row (it would replace the root's full row).
/// Only real column names are written (`ClickHouseRowTests` checks them against `ClickHouseSchema`).
public struct ClickHouseRowEncoder: Sendable {
    public let projectID: String
    /// `event_ts` of every row: later writes of the same row replace earlier ones.
    public let eventTimeMillis: Int64
    /// Prompt ids Langfuse gave for (name, version) (`PromptIDs`); a prompt not here has none.
    let promptIDs: [PromptIDs.Key: String]

    public init(projectID: String, eventTimeMillis: Int64) {
        self.init(projectID: projectID, eventTimeMillis: eventTimeMillis, promptIDs: [:])
    }

    init(projectID: String, eventTimeMillis: Int64, promptIDs: [PromptIDs.Key: String]) {
        self.projectID = projectID
        self.eventTimeMillis = eventTimeMillis
        self.promptIDs = promptIDs
    }

    static let maxCost = 999_999.999_999

    // MARK: observations

    public func observations(_ records: LangfuseRecords, into out: inout [UInt8]) {
        var w = RecordJSONWriter(batch: records.batch, appendingTo: &out)
        for o in records.observations { observation(o, &w) }
        w.finish(into: &out)
    }

    func observation(_ o: LangfuseObservation, _ w: inout RecordJSONWriter) {
        w.beginObject()
        w.field("id", o.id)
        w.field("trace_id", o.traceID)
        w.field("project_id", projectID)
        w.field("environment", o.environment)
        w.field("type", o.type.rawValue)
        w.key("parent_observation_id")
        if let p = o.parentObservationID { w.hex(p) } else { w.null() }
        w.key("start_time"); time(Self.millis(o.startTimeUnixNano), &w)
        w.key("end_time")
        if o.type == .event { w.null() } else { time(Self.millis(max(o.endTimeUnixNano, o.startTimeUnixNano)), &w) }
        w.field("name", o.name)
        w.key("metadata"); metadata(o.metadata, &w)
        w.field("level", o.level.rawValue)
        w.key("status_message"); nullable(o.statusMessage, &w)
        w.key("version"); nullable(o.version, &w)
        w.key("input"); text(o.input, &w)
        w.key("output"); text(o.output, &w)
        w.key("provided_model_name"); nullable(o.model, &w)
        w.key("internal_model_id"); nullable(o.pricedModelID, &w)
        w.key("model_parameters")
        if let p = o.modelParameters { w.string(JSONWriter.serialize(.object(p))) } else { w.null() }
        let total = usageAndCost(o, &w)
        w.key("total_cost")
        if let total { w.double(total) } else { w.null() }
        w.key("completion_start_time")
        if let ms = o.completionStartTime.flatMap(Timestamp.millis(iso:)) { time(ms, &w) } else { w.null() }
        w.key("prompt_id"); nullable(promptID(o), &w)
        w.key("prompt_name"); nullable(o.promptName, &w)
        w.key("prompt_version")
        if let v = o.promptVersion, (0...Int(UInt16.max)).contains(v) { w.int(Int64(v)) } else { w.null() }
        w.key("event_ts"); time(eventTimeMillis, &w)
        w.key("is_deleted"); w.int(0)
        w.key("usage_pricing_tier_id"); nullable(o.pricingTierID, &w)
        w.key("usage_pricing_tier_name"); nullable(o.pricingTierName, &w)
        w.endObject()
        w.newline()
    }

    func promptID(_ o: LangfuseObservation) -> String? {
        guard !promptIDs.isEmpty, let name = o.promptName, let version = o.promptVersion else { return nil }
        return promptIDs[PromptIDs.Key(name: name, version: version)]
    }

    // MARK: traces

    /// One row per trace id across the batch's parts, from this batch alone: the first record's
    /// timestamp (a root span's if the batch has it), later non-empty fields over earlier ones, tags
    /// united and sorted, metadata merged by top-level key. The exporter merges these over the rows
    /// already written first (`TraceRowCache`).
    public func traces(_ parts: [LangfuseRecords], into out: inout [UInt8]) {
        traces(rows: traceRows(parts), into: &out)
    }

    /// The rows with content; a trace seen only through minimal records (child spans without trace
    /// attributes) gets no row: a row of defaults written after the root's full row would replace it.
    public func traces(rows: [TraceRow], into out: inout [UInt8]) {
        var w = RecordJSONWriter(batch: TraceBatch(), appendingTo: &out)
        for r in rows where r.hasContent { trace(r, &w) }
        w.finish(into: &out)
    }

    static func mergedTraces(_ parts: [LangfuseRecords]) -> ([TraceID], [TraceID: MergedTrace]) {
        var order: [TraceID] = []
        var merged: [TraceID: MergedTrace] = [:]
        for (p, records) in parts.enumerated() {
            for t in records.traces {
                if merged[t.id] == nil {
                    order.append(t.id)
                    merged[t.id] = MergedTrace(id: t.id, timestampUnixNano: t.timestampUnixNano, environment: t.environment)
                }
                merged[t.id]!.fold(t, part: p)
            }
        }
        return (order, merged)
    }

    struct MergedTrace {
        let id: TraceID
        var timestampUnixNano: UInt64
        var environment: String
        var hasRoot = false
        var name: String?
        var userID: String?
        var sessionID: String?
        var tags: Set<String> = []
        var isPublic: Bool?
        var release: String?
        var version: String?
        /// Values that refer into a part's batch, with the part.
        var input: (RecordValue, Int)?
        var output: (RecordValue, Int)?
        var metadata: [(RecordMember, Int)] = []
        /// Whether a full or update record contributed (a minimal one only names the trace).
        var hasContent = false

        init(id: TraceID, timestampUnixNano: UInt64, environment: String) {
            self.id = id
            self.timestampUnixNano = timestampUnixNano
            self.environment = environment
        }

        mutating func fold(_ t: LangfuseTrace, part: Int) {
            if t.kind == .full && !hasRoot {
                hasRoot = true
                timestampUnixNano = t.timestampUnixNano
            }
            guard t.kind != .minimal else { return }
            hasContent = true
            name = t.name ?? name
            userID = t.userID ?? userID
            sessionID = t.sessionID ?? sessionID
            tags.formUnion(t.tags ?? [])
            isPublic = t.isPublic ?? isPublic
            release = t.release ?? release
            version = t.version ?? version
            if let v = t.input { input = (v, part) }
            if let v = t.output { output = (v, part) }
            for m in t.metadata ?? [] {
                metadata.removeAll { $0.0.key == m.key }
                metadata.append((m, part))
            }
        }
    }

    func trace(_ t: TraceRow, _ w: inout RecordJSONWriter) {
        w.beginObject()
        w.field("id", t.id)
        w.key("timestamp"); time(t.timestampMillis, &w)
        w.field("name", t.name ?? "")
        w.key("user_id"); nullable(t.userID, &w)
        w.key("metadata")
        w.beginObject()
        for m in t.metadata {
            w.key(dynamic: m.key)
            w.string(m.value)
        }
        w.endObject()
        w.key("release"); nullable(t.release, &w)
        w.key("version"); nullable(t.version, &w)
        w.field("project_id", projectID)
        w.field("environment", t.environment)
        w.key("public"); w.bool(t.isPublic ?? false)
        w.key("bookmarked"); w.bool(false)
        w.key("tags"); strings(t.tags, &w)
        w.key("input"); nullable(t.input, &w)
        w.key("output"); nullable(t.output, &w)
        w.key("session_id"); nullable(t.sessionID, &w)
        w.key("event_ts"); time(t.eventMillis > 0 ? t.eventMillis : eventTimeMillis, &w)
        w.key("is_deleted"); w.int(0)
        w.endObject()
        w.newline()
    }

    // MARK: values

    /// The last instant ClickHouse's DateTime64 holds (2299-12-31T23:59:59.999Z); a time beyond it,
    /// which only a bad or hostile client sends, is written as that instant.
    static let maxDateTime64Millis: Int64 = 10_413_791_999_999

    static func clampedMillis(_ ms: Int64) -> Int64 { min(max(0, ms), maxDateTime64Millis) }

    /// Epoch milliseconds as decimal seconds, `1716000000.123`.
    func time(_ ms: Int64, _ w: inout RecordJSONWriter) {
        w.decimal(UInt64(Self.clampedMillis(ms)), places: 3)
    }

    func nullable(_ s: String?, _ w: inout RecordJSONWriter) {
        if let s { w.string(s) } else { w.null() }
    }

    func strings(_ list: [String], _ w: inout RecordJSONWriter) {
        w.beginArray()
        for s in list { w.string(s) }
        w.endArray()
    }

    private func text(_ v: RecordValue?, _ w: inout RecordJSONWriter) {
        guard let v else { w.null(); return }
        stringColumn(v, batch: w.batch, &w)
    }

    /// A String column: a string value as it is, anything else as its JSON text.
    func stringColumn(_ v: RecordValue, batch: TraceBatch, _ w: inout RecordJSONWriter) {
        // Strings (most prompts and metadata values) are escaped once, straight from their bytes.
        if case .attribute(.string(let r)) = v {
            w.storedString(r, in: batch)
            return
        }
        if case .json(.string(let s)) = v {
            w.string(s)
            return
        }
        var inner = RecordJSONWriter(batch: batch, capacity: 64)
        inner.value(v)
        let bytes = inner.bytes
        if bytes.first == UInt8(ascii: "\"") { w.rawJSON(bytes) } else { w.stringBytes(bytes) }
    }

    func metadata(_ members: [RecordMember], _ w: inout RecordJSONWriter) {
        w.beginObject()
        for m in members {
            w.key(dynamic: m.key)
            stringColumn(m.value, batch: w.batch, &w)
        }
        w.endObject()
    }

    /// The usage and cost maps, the same in every Langfuse table: returns the total cost, or nil
    /// when there is no cost.
    @discardableResult
    func usageAndCost(_ o: LangfuseObservation, _ w: inout RecordJSONWriter) -> Double? {
        w.key("provided_usage_details"); usage(o.usageDetails, &w)
        w.key("usage_details"); usage(o.usageDetails, &w)
        // A cost the collector computed is not "provided"; one the client sent is both.
        w.key("provided_cost_details")
        if o.pricedModelID == nil && o.pricingTierName == nil { _ = cost(o.costDetails, &w) } else { w.beginObject(); w.endObject() }
        w.key("cost_details")
        return cost(o.costDetails, &w)
    }

    /// Non-negative buckets, with `total` (their sum) when the client sent none.
    private func usage(_ u: UsageDetails?, _ w: inout RecordJSONWriter) {
        w.beginObject()
        if let u {
            var sum: Int64 = 0
            for (k, v) in zip(u.keys, u.values) where v >= 0 {
                w.key(dynamic: k); w.int(v)
                sum &+= v
            }
            if !u.keys.contains("total") { w.key("total"); w.int(sum) }
        }
        w.endObject()
    }

    /// Buckets clamped to the column's range, with `total` when the client sent none; returns the
    /// total written.
    private func cost(_ c: CostDetails?, _ w: inout RecordJSONWriter) -> Double? {
        w.beginObject()
        defer { w.endObject() }
        guard let c else { return nil }
        var total: Double?
        var sum = 0.0
        for (k, v) in zip(c.keys, c.values) {
            let x = Self.clamp(v)
            w.key(dynamic: k); w.double(x)
            if k == "total" { total = x }
            sum += v
        }
        if total == nil {
            total = Self.clamp(sum)
            w.key("total"); w.double(total!)
        }
        return total
    }

    static func clamp(_ x: Double) -> Double {
        guard x.isFinite else { return 0 }
        return min(max(x, -maxCost), maxCost)
    }

    static func millis(_ unixNanos: UInt64) -> Int64 { Int64(unixNanos / 1_000_000) }
}
