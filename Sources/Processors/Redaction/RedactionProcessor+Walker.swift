import CollectorCore

extension RedactionProcessor {
    /// The read-only pass: finds what to change without touching the batch.
    struct Walker {
        let processor: RedactionProcessor
        let batch: TraceBatch
        let store: UnsafeBufferPointer<UInt8>
        var owner: Int?
        var spanCounts: [Int: [String: Int]] = [:]
        var totals: [String: Int] = [:]
        var scratch: [ScanMatch] = []
        /// Verdicts by key, for this batch: keys repeat on every span, and a dozen glob searches per
        /// attribute would cost more than the value scan.
        var keyVerdicts: [UInt64: [(key: [UInt8], verdict: KeyVerdict)]] = [:]

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

        /// Every place a string can be, in table order.
        mutating func walk(_ edits: inout [Edit]) {
            for (ri, resource) in batch.resources.enumerated() {
                owner = nil
                text(resource.schemaURL, .resourceSchema(ri), &edits)
                attributes(resource.attributes, owner: nil, &edits)
                for si in resource.scopes.range {
                    let scope = batch.scopes[si]
                    owner = nil
                    text(scope.name, .scopeName(si), &edits)
                    text(scope.version, .scopeVersion(si), &edits)
                    text(scope.schemaURL, .scopeSchema(si), &edits)
                    attributes(scope.attributes, owner: nil, &edits)
                    for s in scope.spans.range {
                        let span = batch.spans[s]
                        owner = s
                        text(span.name, .spanName(s), &edits)
                        text(span.traceState, .spanTraceState(s), &edits)
                        if let status = span.status { text(status.message, .statusMessage(s), &edits) }
                        attributes(span.attributes, owner: s, &edits)
                        for e in span.events.range {
                            owner = s
                            text(batch.events[e].name, .eventName(e), &edits)
                            attributes(batch.events[e].attributes, owner: s, &edits)
                        }
                        for l in span.links.range {
                            owner = s
                            text(batch.links[l].traceState, .linkTraceState(l), &edits)
                            attributes(batch.links[l].attributes, owner: s, &edits)
                        }
                        owner = nil
                    }
                    for r in scope.logRecords.range { logRecord(r, &edits) }
                }
            }
        }

        /// A log record: its texts, its attributes, and its body (a map's members by their keys, as
        /// attributes are; a string or bytes body as a value, JSON-aware).
        mutating func logRecord(_ r: Int, _ edits: inout [Edit]) {
            let record = batch.logRecords[r]
            owner = nil
            text(record.severityText, .logSeverityText(r), &edits)
            text(record.eventName, .logEventName(r), &edits)
            attributes(record.attributes, owner: nil, &edits)
            guard let body = record.body else { return }
            switch value(body, numeric: false, &edits) {
            case .keep: break
            case .drop: edits.append(.logBody(record: r, bytes: RedactionProcessor.redacted, asBytes: false))
            case .replace(let bytes, let asBytes): edits.append(.logBody(record: r, bytes: bytes, asBytes: asBytes))
            }
        }

        /// A name, message, version, URL or trace state: redacted in place; a `drop` match masks it
        /// whole (the field stays).
        mutating func text(_ r: ByteRange, _ field: Field, _ edits: inout [Edit]) {
            guard r.count > 0 else { return }
            var o = TextOutcome()
            processor.redactor.redact(bytes(r), scratch: &scratch, into: &o)
            for (rule, n) in o.counts { count(processor.redactor.rules[rule].name, n) }
            if o.drop {
                edits.append(.field(field, processor.redactor.rules[o.counts[0].rule].placeholder))
            } else if let text = o.text {
                edits.append(.field(field, text))
            }
        }

        /// A key with a finding is rewritten with the placeholder, as a value would be: the attribute
        /// keeps its value (scanned on its own); with a `drop` rule it is removed. nil: unchanged.
        mutating func key(_ r: ByteRange) -> (bytes: [UInt8], drop: Bool)? {
            guard r.count > 0 else { return nil }
            var o = TextOutcome()
            processor.redactor.redact(bytes(r), scratch: &scratch, into: &o)
            for (rule, n) in o.counts { count(processor.redactor.rules[rule].name, n) }
            guard let text = o.text else { return nil }
            return (text, o.drop)
        }

        mutating func attributes(_ slice: TableSlice, owner: Int?, _ edits: inout [Edit]) {
            self.owner = owner
            let before = edits.count
            defer { joinedFlattened(slice, edits: &edits, since: before) }
            for i in slice.range {
                let a = batch.attributes[i]
                switch keyRule(a.key) {
                case .deny:
                    count(RedactionProcessor.denyKey)
                    edits.append(.value(table: .attributes, index: i, bytes: RedactionProcessor.redacted, asBytes: false))
                    if let k = key(a.key) { edits.append(.key(table: .attributes, index: i, bytes: k.bytes)) }
                    continue
                case .notAllowed:
                    count(RedactionProcessor.notAllowed)
                    edits.append(.drop(index: i))
                    continue
                case .scan(let numeric):
                    if let k = key(a.key) {
                        if k.drop {
                            edits.append(.drop(index: i))
                            continue
                        }
                        edits.append(.key(table: .attributes, index: i, bytes: k.bytes))
                    }
                    switch value(a.value, numeric: numeric, &edits) {
                    case .keep: break
                    case .drop: edits.append(.drop(index: i))
                    case .replace(let bytes, let asBytes): edits.append(.value(table: .attributes, index: i, bytes: bytes, asBytes: asBytes))
                    }
                }
            }
        }

        enum KeyVerdict: Equatable {
            /// Scan the value; `numeric`: numbers too (the key matches `numeric_keys`).
            case scan(numeric: Bool)
            case deny
            case notAllowed
        }

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
                verdict = .scan(numeric: config.numericKeys.contains { $0.matches(k) })
            }
            keyVerdicts[h, default: []].append((Array(k), verdict))
            return verdict
        }

        enum ValueVerdict { case keep, drop, replace([UInt8], asBytes: Bool) }

        mutating func value(_ v: AttributeValue, numeric: Bool, _ edits: inout [Edit]) -> ValueVerdict {
            switch v {
            case .string(let r):
                return redactText(bytes(r), asBytes: false)
            case .bytes(let r):
                let raw = bytes(r)
                guard raw.isEmpty || UTF8Validation.isValid(raw.baseAddress!, count: raw.count) else {
                    count(RedactionProcessor.failClosed)
                    return .replace(RedactionProcessor.redacted, asBytes: true)
                }
                return redactText(bytes(r), asBytes: true)
            case .int(let i) where numeric:
                return number(Array(String(i).utf8))
            case .double(let d) where numeric:
                // Only an integer can be a card or phone number; 4111111111111111.0 is one.
                guard d.isFinite, d == d.rounded(), abs(d) < 1e19, let u = UInt64(exactly: abs(d)) else { return .keep }
                return number(Array(((d < 0 ? "-" : "") + String(u)).utf8))
            case .array(let slice):
                for i in slice.range {
                    switch value(batch.arrayValues[i], numeric: numeric, &edits) {
                    case .keep: break
                    case .drop: edits.append(.value(table: .arrays, index: i, bytes: RedactionProcessor.redacted, asBytes: false))
                    case .replace(let b, let asBytes): edits.append(.value(table: .arrays, index: i, bytes: b, asBytes: asBytes))
                    }
                }
                return .keep
            case .kvlist(let slice):
                for i in slice.range {
                    let member = batch.nestedAttributes[i]
                    let verdict = keyRule(member.key)
                    if let k = key(member.key) { edits.append(.key(table: .nested, index: i, bytes: k.bytes)) }
                    guard case .scan(let memberNumeric) = verdict else {
                        count(RedactionProcessor.denyKey)
                        edits.append(.value(table: .nested, index: i, bytes: RedactionProcessor.redacted, asBytes: false))
                        continue
                    }
                    switch value(member.value, numeric: memberNumeric, &edits) {
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

        /// A number's digits: a match replaces the number with its placeholder, as a string.
        mutating func number(_ digits: [UInt8]) -> ValueVerdict {
            guard digits.count >= 12 else { return .keep }  // the shortest card has 12 digits
            return digits.withUnsafeBufferPointer { redactText($0, asBytes: false) }
        }

        mutating func redactText(_ t: UnsafeBufferPointer<UInt8>, asBytes: Bool) -> ValueVerdict {
            guard !t.isEmpty else { return .keep }
            var o = TextOutcome()
            var first = 0
            while first < t.count, t[first] == 0x20 || t[first] == 0x0A || t[first] == 0x0D || t[first] == 0x09 { first += 1 }
            var handled = false
            if first < t.count, t[first] == UInt8(ascii: "{") || t[first] == UInt8(ascii: "[") {
                let deny = config.denyKeys
                switch JSONLeafRedactor.redact(
                    t, processor.redactor, maxDepth: config.maxJSONDepth,
                    deniedKey: { k in KeyGlob.any(deny, k) },
                    scratch: &scratch, into: &o)
                {
                case .done: handled = true
                case .notJSON: o = TextOutcome()
                case .tooDeep:
                    count(RedactionProcessor.failClosed)
                    return .replace(RedactionProcessor.redacted, asBytes: asBytes)
                }
            }
            if !handled { processor.redactor.redact(t, scratch: &scratch, into: &o) }
            for (rule, n) in o.counts { count(processor.redactor.rules[rule].name, n) }
            if o.denied > 0 { count(RedactionProcessor.denyKey, o.denied) }
            if o.drop { return .drop }
            if let text = o.text { return .replace(text, asBytes: asBytes) }
            return .keep
        }
    }
}
