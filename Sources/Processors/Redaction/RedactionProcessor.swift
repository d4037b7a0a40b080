import CollectorCore
import Crypto

/// Removes personal data and secrets before anything leaves: every string attribute value (spans,
/// resources, scopes, span events and links, nested lists and maps), span names and status
/// messages. JSON values (message arrays, tool arguments, `input.value` ...) are redacted leaf by
/// leaf and stay valid JSON. Key rules remove values by key (deny list) or keep only listed keys
/// (allow list). What cannot be processed (a `bytes` value that is not UTF-8, JSON nested too deep)
/// is masked whole. Counts go on the span (`redaction.<rule>.count`) and to `/metrics`; the values
/// themselves are never logged.
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

    /// Who owns an attribute slice: its counts go to a span, or (resource and scope) only to metrics.
    private enum Owner { case span(Int), other }

    private enum Edit {
        case value(table: Table, index: Int, bytes: [UInt8], asBytes: Bool)
        case drop(table: Table, index: Int)
        case name(span: Int, bytes: [UInt8])
        case status(span: Int, bytes: [UInt8])
    }

    private enum Table { case attributes, nested, arrays }

    /// Rule names for the counts beyond the configured rules.
    static let denyKey = "deny_key", notAllowed = "not_allowed", failClosed = "fail_closed"

    public func process(_ batch: inout TraceBatch) -> ProcessorOutcome {
        var edits: [Edit] = []
        var spanCounts: [Int: [String: Int]] = [:]
        var totals: [String: Int] = [:]
        batch.bytes.withUnsafeBufferPointer { store in
            var scratch: [ScanMatch] = []
            var w = Walker(processor: self, batch: batch, store: store)
            for resource in batch.resources {
                w.attributes(resource.attributes, owner: .other, &edits, &scratch)
                for scope in batch.scopes[resource.scopes.range] {
                    w.attributes(scope.attributes, owner: .other, &edits, &scratch)
                    for s in scope.spans.range {
                        let span = batch.spans[s]
                        w.owner = s
                        if let bytes = w.text(span.name, &scratch, wholeOnDrop: true) { edits.append(.name(span: s, bytes: bytes)) }
                        if let status = span.status, let bytes = w.text(status.message, &scratch, wholeOnDrop: true) {
                            edits.append(.status(span: s, bytes: bytes))
                        }
                        w.attributes(span.attributes, owner: .span(s), &edits, &scratch)
                        for e in batch.events[span.events.range] { w.attributes(e.attributes, owner: .span(s), &edits, &scratch) }
                        for l in batch.links[span.links.range] { w.attributes(l.attributes, owner: .span(s), &edits, &scratch) }
                        w.owner = nil
                    }
                }
            }
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
    /// redacted text, or nil when nothing matched. For dry runs and benchmarks.
    public func redact(text: [UInt8]) -> [UInt8]? {
        let batch = TraceBatch(bytes: text)
        return text.withUnsafeBufferPointer { store in
            var w = Walker(processor: self, batch: batch, store: store)
            var scratch: [ScanMatch] = []
            switch w.redactText(store, &scratch, asBytes: false) {
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
            case .drop(_, let index):
                dropped.insert(index)
            case .name(let span, let bytes):
                let r = batch.store(bytes: bytes)
                batch.spans[span].name = r
            case .status(let span, let bytes):
                let r = batch.store(bytes: bytes)
                batch.spans[span].status?.message = r
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
        batch.attributes = attributes
    }

    /// The read-only pass: finds what to change without touching the batch.
    private struct Walker {
        let processor: RedactionProcessor
        let batch: TraceBatch
        let store: UnsafeBufferPointer<UInt8>
        var owner: Int?
        var spanCounts: [Int: [String: Int]] = [:]
        var totals: [String: Int] = [:]

        init(processor: RedactionProcessor, batch: TraceBatch, store: UnsafeBufferPointer<UInt8>) {
            self.processor = processor
            self.batch = batch
            self.store = store
        }

        var config: Config { processor.config }

        mutating func count(_ rule: String, _ n: Int = 1) {
            totals[rule, default: 0] += n
            if let owner { spanCounts[owner, default: [:]][rule, default: 0] += n }
        }

        func bytes(_ r: ByteRange) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: store[r.lowerBound..<r.upperBound])
        }

        /// A span name or status message: the redacted text, or nil when unchanged. A `drop` match
        /// masks it whole (a span keeps its name).
        mutating func text(_ r: ByteRange, _ scratch: inout [ScanMatch], wholeOnDrop: Bool) -> [UInt8]? {
            guard r.count > 0 else { return nil }
            var o = TextOutcome()
            processor.redactor.redact(bytes(r), scratch: &scratch, into: &o)
            for (rule, n) in o.counts { count(processor.redactor.rules[rule].name, n) }
            if o.drop { return processor.redactor.rules[o.counts[0].rule].placeholder }
            return o.text
        }

        mutating func attributes(_ slice: TableSlice, owner: Owner, _ edits: inout [Edit], _ scratch: inout [ScanMatch]) {
            if case .span(let s) = owner { self.owner = s } else { self.owner = nil }
            for i in slice.range {
                let a = batch.attributes[i]
                switch keyRule(a.key) {
                case .deny:
                    count(RedactionProcessor.denyKey)
                    edits.append(.value(table: .attributes, index: i, bytes: RedactionProcessor.redacted, asBytes: false))
                    continue
                case .notAllowed:
                    count(RedactionProcessor.notAllowed)
                    edits.append(.drop(table: .attributes, index: i))
                    continue
                case .scan:
                    break
                }
                switch value(a.value, &edits, &scratch) {
                case .keep: break
                case .drop: edits.append(.drop(table: .attributes, index: i))
                case .replace(let bytes, let asBytes): edits.append(.value(table: .attributes, index: i, bytes: bytes, asBytes: asBytes))
                }
            }
        }

        enum KeyVerdict { case scan, deny, notAllowed }

        /// Verdicts by key, for this batch: keys repeat on every span, and a dozen glob searches per
        /// attribute would cost more than the value scan.
        var keyVerdicts: [UInt64: [(key: [UInt8], verdict: KeyVerdict)]] = [:]

        mutating func keyRule(_ key: ByteRange) -> KeyVerdict {
            let k = bytes(key)
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in k { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            if let entries = keyVerdicts[h], let hit = entries.first(where: { $0.key.elementsEqual(k) }) { return hit.verdict }
            let verdict: KeyVerdict
            if !config.allowedKeys.isEmpty, !config.allowedKeys.contains(where: { $0.matches(k) }) {
                verdict = .notAllowed
            } else if config.denyKeys.contains(where: { $0.matches(k) }) {
                verdict = .deny
            } else {
                verdict = .scan
            }
            keyVerdicts[h, default: []].append((Array(k), verdict))
            return verdict
        }

        enum ValueVerdict { case keep, drop, replace([UInt8], asBytes: Bool) }

        mutating func value(_ v: AttributeValue, _ edits: inout [Edit], _ scratch: inout [ScanMatch]) -> ValueVerdict {
            switch v {
            case .string(let r):
                return redactText(bytes(r), &scratch, asBytes: false)
            case .bytes(let r):
                let raw = bytes(r)
                guard raw.isEmpty || UTF8Validation.isValid(raw.baseAddress!, count: raw.count) else {
                    count(RedactionProcessor.failClosed)
                    return .replace(RedactionProcessor.redacted, asBytes: true)
                }
                return redactText(bytes(r), &scratch, asBytes: true)
            case .array(let slice):
                for i in slice.range {
                    switch value(batch.arrayValues[i], &edits, &scratch) {
                    case .keep: break
                    case .drop: edits.append(.value(table: .arrays, index: i, bytes: RedactionProcessor.redacted, asBytes: false))
                    case .replace(let b, let asBytes): edits.append(.value(table: .arrays, index: i, bytes: b, asBytes: asBytes))
                    }
                }
                return .keep
            case .kvlist(let slice):
                for i in slice.range {
                    let member = batch.nestedAttributes[i]
                    if keyRule(member.key) != .scan {
                        count(RedactionProcessor.denyKey)
                        edits.append(.value(table: .nested, index: i, bytes: RedactionProcessor.redacted, asBytes: false))
                        continue
                    }
                    switch value(member.value, &edits, &scratch) {
                    case .keep: break
                    case .drop: edits.append(.value(table: .nested, index: i, bytes: RedactionProcessor.redacted, asBytes: false))
                    case .replace(let b, let asBytes): edits.append(.value(table: .nested, index: i, bytes: b, asBytes: asBytes))
                    }
                }
                return .keep
            default:
                return .keep
            }
        }

        mutating func redactText(_ t: UnsafeBufferPointer<UInt8>, _ scratch: inout [ScanMatch], asBytes: Bool) -> ValueVerdict {
            guard !t.isEmpty else { return .keep }
            var o = TextOutcome()
            var first = 0
            while first < t.count, t[first] == 0x20 || t[first] == 0x0A || t[first] == 0x0D || t[first] == 0x09 { first += 1 }
            var handled = false
            if first < t.count, t[first] == UInt8(ascii: "{") || t[first] == UInt8(ascii: "[") {
                switch JSONLeafRedactor.redact(t, processor.redactor, maxDepth: config.maxJSONDepth, scratch: &scratch, into: &o) {
                case .done: handled = true
                case .notJSON: o = TextOutcome()
                case .tooDeep:
                    count(RedactionProcessor.failClosed)
                    return .replace(RedactionProcessor.redacted, asBytes: asBytes)
                }
            }
            if !handled { processor.redactor.redact(t, scratch: &scratch, into: &o) }
            for (rule, n) in o.counts { count(processor.redactor.rules[rule].name, n) }
            if o.drop { return .drop }
            if let text = o.text { return .replace(text, asBytes: asBytes) }
            return .keep
        }
    }
}

/// A key pattern with `*` wildcards, matched case-insensitively against the whole key.
public struct KeyGlob: Sendable, Equatable {
    public let source: String
    let parts: [[UInt8]]
    let anchoredStart: Bool
    let anchoredEnd: Bool

    public init(_ source: String) {
        self.source = source
        let lowered = Array(source.lowercased().utf8)
        parts = lowered.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: false).map(Array.init).filter { !$0.isEmpty }
        anchoredStart = lowered.first != UInt8(ascii: "*")
        anchoredEnd = lowered.last != UInt8(ascii: "*")
    }

    public func matches(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = key.count
        if parts.isEmpty { return !anchoredStart || n == 0 }
        func at(_ i: Int, _ p: [UInt8]) -> Bool {
            guard i + p.count <= n else { return false }
            for k in 0..<p.count where lower(key[i + k]) != p[k] { return false }
            return true
        }
        var i = 0
        for (index, p) in parts.enumerated() {
            let last = index == parts.count - 1
            if index == 0 && anchoredStart {
                guard at(0, p) else { return false }
                i = p.count
                if last && anchoredEnd { return i == n }
                continue
            }
            if last && anchoredEnd {
                return n - p.count >= i && at(n - p.count, p)
            }
            var found = -1
            var j = i
            while j + p.count <= n {
                if at(j, p) { found = j; break }
                j += 1
            }
            guard found >= 0 else { return false }
            i = found + p.count
        }
        return true
    }
}
