import CollectorCore

extension RedactionProcessor.Walker {
    /// Flattened message parts (`gen_ai.prompt.0.content`, `gen_ai.prompt.1.content` …) are read as
    /// one text in the translator's output, so they are scanned joined too: a value split across two
    /// parts (`…alice@` then `example.com…`) is found, the first part gets the placeholder and the
    /// next ones lose their share. Parts are grouped by key with the first numeric segment left out,
    /// in index order, as the pass over single attributes left them.
    mutating func joinedFlattened(_ slice: TableSlice, edits: inout [RedactionProcessor.Edit], since first: Int) {
        var groups: [[UInt8]: [(index: Int, attribute: Int)]] = [:]
        for i in slice.range {
            guard case .string = batch.attributes[i].value, let (template, number) = Self.template(bytes(batch.attributes[i].key)) else { continue }
            groups[template, default: []].append((number, i))
        }
        guard groups.values.contains(where: { $0.count > 1 }) else { return }
        var current: [Int: [UInt8]] = [:]
        var dropped = Set<Int>()
        for e in edits[first...] {
            switch e {
            case .value(.attributes, let i, let b, _): current[i] = b
            case .drop(let i): dropped.insert(i)
            default: break
            }
        }
        for parts in groups.values where parts.count > 1 {
            let ordered = parts.sorted { $0.index < $1.index }.filter { !dropped.contains($0.attribute) }
            guard ordered.count > 1 else { continue }
            var texts: [[UInt8]] = ordered.map { p in
                guard case .string(let r) = batch.attributes[p.attribute].value else { return [] }
                return current[p.attribute] ?? Array(bytes(r))
            }
            var joined: [UInt8] = []
            var starts: [Int] = []
            for t in texts { starts.append(joined.count); joined += t }
            joined.withUnsafeBufferPointer { _ = processor.redactor.findings($0, into: &scratch) }
            var changed = Set<Int>()
            // Last first, so the offsets of earlier matches stay right as parts shrink.
            for m in scratch.reversed() {
                let firstPart = starts.lastIndex { $0 <= m.start } ?? 0
                let lastPart = starts.lastIndex { $0 < m.end } ?? 0
                guard lastPart > firstPart else { continue }  // inside one part: the single pass found it
                count(processor.redactor.rules[m.rule].name)
                var placeholder: [UInt8] = []
                joined[m.start..<m.end].withUnsafeBufferPointer { processor.redactor.replacement(m.rule, $0, into: &placeholder) }
                for p in firstPart...lastPart {
                    let s = max(m.start, starts[p]) - starts[p]
                    let e = min(m.end, starts[p] + texts[p].count) - starts[p]
                    texts[p].replaceSubrange(s..<e, with: p == firstPart ? placeholder : [])
                    changed.insert(p)
                }
            }
            for p in changed.sorted() {
                edits.append(.value(table: .attributes, index: ordered[p].attribute, bytes: texts[p], asBytes: false))
            }
        }
    }

    /// The key with its first all-digit segment taken out, and that segment's number:
    /// `gen_ai.prompt.12.content` → (`gen_ai.prompt.#.content`, 12). nil for a key without one.
    static func template(_ key: UnsafeBufferPointer<UInt8>) -> ([UInt8], Int)? {
        var start = 0
        var i = 0
        let n = key.count
        while i <= n {
            if i == n || key[i] == UInt8(ascii: ".") {
                if i > start, i - start <= 9, key[start..<i].allSatisfy(isDigit) {
                    var number = 0
                    for c in key[start..<i] { number = number * 10 + Int(c - 0x30) }
                    return (Array(key[..<start]) + [UInt8(ascii: "#")] + Array(key[i...]), number)
                }
                start = i + 1
            }
            i += 1
        }
        return nil
    }
}
