import CollectorCore
import GenAISemantics
import Crypto

/// Removes personal data and secrets before anything leaves. Every string the output can contain
/// is scanned: attribute keys and values (spans, resources, scopes, span events and links, nested
/// lists and maps, JSON documents inside values, keys included), span and event names, status
/// messages, scope names and versions, schema URLs and trace states; numbers are read as digits
/// under `numeric_keys` (a card number sent as an int). Flattened messages (`gen_ai.prompt.N.content`)
/// are also scanned joined, so a value split across them is found. What cannot be processed (a
/// `bytes` value that is not UTF-8, JSON nested too deep) is masked whole. Counts go on the span
/// (`redaction.<rule>.count`) and to `/metrics`; the values themselves are never logged.
public struct RedactionProcessor: SpanProcessor {
    public static let type = "redaction"
    static let redacted: [UInt8] = Array("<REDACTED>".utf8)

    public let id: String
    public let config: Config
    let redactor: TextRedactor

    public init(id: String = type, config: Config) {
        self.id = id
        self.config = config
        redactor = TextRedactor(rules: config.rules, hashKey: config.hashKey.map { SymmetricKey(data: $0) })
    }

    /// Where a changed text goes.
    enum Field {
        case spanName(Int), statusMessage(Int), spanTraceState(Int), eventName(Int), linkTraceState(Int)
        case scopeName(Int), scopeVersion(Int), scopeSchema(Int), resourceSchema(Int)
        case logSeverityText(Int), logEventName(Int)
    }

    enum Edit {
        case value(table: Table, index: Int, bytes: [UInt8], asBytes: Bool)
        case key(table: Table, index: Int, bytes: [UInt8])
        case drop(index: Int)
        case field(Field, [UInt8])
        /// A log record's body when it is a string or bytes (a map's members are `nested` values).
        case logBody(record: Int, bytes: [UInt8], asBytes: Bool)
    }

    enum Table { case attributes, nested, arrays }

    /// Rule names for the counts beyond the configured rules.
    static let denyKey = "deny_key", notAllowed = "not_allowed", failClosed = "fail_closed"

    public func process(_ batch: inout TraceBatch) -> ProcessorOutcome {
        var edits: [Edit] = []
        var spanCounts: [Int: [String: Int]] = [:]
        var totals: [String: Int] = [:]
        batch.bytes.withUnsafeBufferPointer { store in
            var w = Walker(processor: self, batch: batch, store: store)
            w.walk(&edits)
            spanCounts = w.spanCounts
            totals = w.totals
        }
        var outcome = ProcessorOutcome()
        for (rule, n) in totals {
            outcome.add(.redactions, ["processor": id, "rule": rule, "action": action(of: rule)], n)
        }
        guard !edits.isEmpty else { return outcome }
        apply(edits, to: &batch, &outcome)
        if config.spanCounts || config.markApplied {
            var keys: [String: ByteRange] = [:]
            func key(_ k: String) -> ByteRange {
                if let r = keys[k] { return r }
                let r = batch.store(k)
                keys[k] = r
                return r
            }
            for (span, counts) in spanCounts.sorted(by: { $0.key < $1.key }) {
                if config.spanCounts {
                    for (rule, n) in counts.sorted(by: { $0.key < $1.key }) {
                        batch.setSpanAttribute(span, key: key(CollectorAttributeKey.redactionCount(rule)), value: .int(Int64(n)))
                    }
                }
                if config.markApplied { batch.setSpanAttribute(span, key: key(CollectorAttributeKey.redactionApplied), value: .bool(true)) }
            }
        }
        outcome.add("spans_redacted", spanCounts.count)
        return outcome
    }

    /// One text through the same path an attribute value takes (JSON-aware when it is JSON): the
    /// redacted text, or nil when nothing matched. For dry runs, tests and benchmarks.
    public func redact(text: [UInt8]) -> [UInt8]? {
        let batch = TraceBatch(bytes: text)
        return text.withUnsafeBufferPointer { store in
            var w = Walker(processor: self, batch: batch, store: store)
            switch w.redactText(store, asBytes: false) {
            case .keep: return nil
            case .drop: return Self.redacted
            case .replace(let bytes, _): return bytes
            }
        }
    }

    private func action(of rule: String) -> String {
        switch rule {
        case Self.denyKey, Self.failClosed: return RedactionAction.mask.rawValue
        case Self.notAllowed: return RedactionAction.drop.rawValue
        default: return config.rules.first { $0.name == rule }?.action.rawValue ?? RedactionAction.mask.rawValue
        }
    }

    private func apply(_ edits: [Edit], to batch: inout TraceBatch, _ outcome: inout ProcessorOutcome) {
        var dropped = Set<Int>()
        for edit in edits {
            switch edit {
            case .value(let table, let index, let bytes, let asBytes):
                let r = batch.store(bytes: bytes)
                let v: AttributeValue = asBytes ? .bytes(r) : .string(r)
                switch table {
                case .attributes: batch.attributes[index].value = v
                case .nested: batch.nestedAttributes[index].value = v
                case .arrays: batch.arrayValues[index] = v
                }
            case .key(let table, let index, let bytes):
                let r = batch.store(bytes: bytes)
                switch table {
                case .attributes: batch.attributes[index].key = r
                case .nested: batch.nestedAttributes[index].key = r
                case .arrays: break
                }
            case .drop(let index):
                dropped.insert(index)
            case .logBody(let record, let bytes, let asBytes):
                let r = batch.store(bytes: bytes)
                batch.logRecords[record].body = asBytes ? .bytes(r) : .string(r)
            case .field(let field, let bytes):
                let r = batch.store(bytes: bytes)
                switch field {
                case .spanName(let s): batch.spans[s].name = r
                case .statusMessage(let s): batch.spans[s].status?.message = r
                case .spanTraceState(let s): batch.spans[s].traceState = r
                case .eventName(let e): batch.events[e].name = r
                case .linkTraceState(let l): batch.links[l].traceState = r
                case .scopeName(let s): batch.scopes[s].name = r
                case .scopeVersion(let s): batch.scopes[s].version = r
                case .scopeSchema(let s): batch.scopes[s].schemaURL = r
                case .resourceSchema(let r0): batch.resources[r0].schemaURL = r
                case .logSeverityText(let l): batch.logRecords[l].severityText = r
                case .logEventName(let l): batch.logRecords[l].eventName = r
                }
            }
        }
        guard !dropped.isEmpty else { return }
        outcome.add("attributes_dropped", dropped.count)
        // Dropped attributes leave their owner's slice; the slice closes up in order.
        func compact(_ slice: TableSlice, _ attributes: inout [Attribute]) -> TableSlice {
            var kept = Int(slice.start)
            for i in slice.range where !dropped.contains(i) {
                attributes[kept] = attributes[i]
                kept += 1
            }
            return TableSlice(start: Int(slice.start), count: kept - Int(slice.start))
        }
        var attributes = batch.attributes
        batch.attributes = []  // unique, so the compaction does not copy
        for i in batch.resources.indices { batch.resources[i].attributes = compact(batch.resources[i].attributes, &attributes) }
        for i in batch.scopes.indices { batch.scopes[i].attributes = compact(batch.scopes[i].attributes, &attributes) }
        for i in batch.spans.indices { batch.spans[i].attributes = compact(batch.spans[i].attributes, &attributes) }
        for i in batch.events.indices { batch.events[i].attributes = compact(batch.events[i].attributes, &attributes) }
        for i in batch.links.indices { batch.links[i].attributes = compact(batch.links[i].attributes, &attributes) }
        for i in batch.logRecords.indices { batch.logRecords[i].attributes = compact(batch.logRecords[i].attributes, &attributes) }
        batch.attributes = attributes
    }
}
