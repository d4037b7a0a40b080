import CollectorCore

/// Rebuilds flattened message keys (`gen_ai.prompt.0.role`, `llm.input_messages.1.message.content`)
/// into nested JSON. Numeric segments become list indices. The work and the output are linear in the
/// keys present, whatever the indices say: a list whose largest index is far beyond its entries
/// (`llm.input_messages.10000.message.content` alone) is written compactly, its entries in index
/// order without the holes (counted as `flattened_index_sparse`), instead of as thousands of nulls.
struct FlattenedMessages {
    static let forbiddenSegments: Set<Substring> = ["__proto__", "constructor", "prototype"]
    /// Holes a list may have and still be written with nulls in them, as Langfuse writes it.
    static func denseLength(entries n: Int) -> Int { 2 * n + 16 }

    private final class Node {
        var children: [(key: Substring, node: Node)] = []
        /// Child positions by key, built once a node has more than a few children.
        var lookup: [Substring: Int]?
        var value: JSONValue?
        var numericChildren = 0
        var maxIndex = -1

        func child(_ key: Substring) -> Node {
            if let lookup {
                if let i = lookup[key] { return children[i].node }
            } else if let c = children.first(where: { $0.key == key }) {
                return c.node
            }
            let n = Node()
            children.append((key, n))
            if let index = FlattenedMessages.index(key) {
                numericChildren += 1
                maxIndex = max(maxIndex, index)
            }
            if lookup != nil {
                lookup![key] = children.count - 1
            } else if children.count > 8 {
                lookup = Dictionary(children.enumerated().map { ($0.element.key, $0.offset) }, uniquingKeysWith: { a, _ in a })
            }
            return n
        }
    }

    /// A list index as JavaScript reads one: canonical ASCII digits only (so `+1`, `1e3`, `-1` and
    /// `01` are keys), at most 18 of them.
    static func index(_ segment: Substring) -> Int? {
        let u = segment.utf8
        guard let first = u.first, u.count <= 18, first != 0x30 || u.count == 1,
            u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        return Int(segment)
    }

    /// `entries` are (key without prefix, value) in attribute order. nil when nothing survives.
    static func rebuild(_ entries: [(suffix: String, value: JSONValue)]) -> JSONValue? {
        var notes = TranslationNotes()
        return rebuild(entries, notes: &notes)
    }

    static func rebuild(_ entries: [(suffix: String, value: JSONValue)], notes: inout TranslationNotes) -> JSONValue? {
        let root = Node()
        for (suffix, value) in entries {
            let segments = suffix.split(separator: ".", omittingEmptySubsequences: false)
            if segments.contains(where: { forbiddenSegments.contains($0) || $0.isEmpty }) { continue }
            var n = root
            for seg in segments { n = n.child(seg) }
            n.value = value
        }
        if root.children.isEmpty { return nil }
        return materialize(root, &notes)
    }

    private static func materialize(_ n: Node, _ notes: inout TranslationNotes) -> JSONValue {
        if n.children.isEmpty { return n.value ?? .null }
        guard n.numericChildren > 0 else {
            return .object(n.children.map { JSONMember(String($0.key), materialize($0.node, &notes)) })
        }
        let length = n.maxIndex + 1
        let dense = length <= denseLength(entries: n.numericChildren)
        if !dense { notes[.flattenedIndexSparse] += 1 }
        var numeric: [(index: Int, value: JSONValue)] = []
        numeric.reserveCapacity(n.numericChildren)
        var extras: [JSONMember] = []
        for (k, c) in n.children {
            if let i = index(k) { numeric.append((i, materialize(c, &notes))) } else { extras.append(JSONMember(String(k), materialize(c, &notes))) }
        }
        if dense && extras.isEmpty {
            var items = [JSONValue](repeating: .null, count: length)
            for (i, v) in numeric { items[i] = v }
            return .array(items)
        }
        numeric.sort { $0.index < $1.index }
        if extras.isEmpty { return .array(numeric.map(\.value)) }
        // A list with named members too: an object, indices as keys (holes written only when dense).
        var members: [JSONMember] = []
        if dense {
            var items = [JSONValue](repeating: .null, count: length)
            for (i, v) in numeric { items[i] = v }
            members = items.enumerated().map { JSONMember(String($0.offset), $0.element) }
        } else {
            members = numeric.map { JSONMember(String($0.index), $0.value) }
        }
        return .object(members + extras)
    }
}
