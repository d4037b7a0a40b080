import CollectorCore

/// Rebuilds flattened message keys (`gen_ai.prompt.0.role`, `llm.input_messages.1.message.content`)
/// into nested JSON. Numeric segments become list indices; the total number of list slots is capped
/// so a hostile index cannot allocate without bound.
struct FlattenedMessages {
    static let slotCap = 10_001
    static let forbiddenSegments: Set<Substring> = ["__proto__", "constructor", "prototype"]

    private final class Node {
        var children: [(key: Substring, node: Node)] = []
        var value: JSONValue?
        var slots = 0  // highest numeric child index + 1

        func child(_ key: Substring) -> Node {
            if let c = children.first(where: { $0.key == key }) { return c.node }
            let n = Node()
            children.append((key, n))
            return n
        }
    }

    /// `entries` are (key without prefix, value) in attribute order. nil when nothing survives.
    static func rebuild(_ entries: [(suffix: String, value: JSONValue)]) -> JSONValue? {
        let root = Node()
        var used = 0
        for (suffix, value) in entries {
            let segments = suffix.split(separator: ".", omittingEmptySubsequences: false)
            if segments.contains(where: { forbiddenSegments.contains($0) || $0.isEmpty }) { continue }
            // Count the list slots this key would add before creating anything.
            var extra = 0
            var node: Node? = root
            for seg in segments {
                if let i = Int(seg), i >= 0 {
                    let current = node?.slots ?? 0
                    if i + 1 > current { extra += i + 1 - current }
                }
                node = node?.children.first(where: { $0.key == seg })?.node
            }
            guard used + extra <= slotCap else { continue }
            used += extra
            var n = root
            for seg in segments {
                if let i = Int(seg), i >= 0 { n.slots = max(n.slots, i + 1) }
                n = n.child(seg)
            }
            n.value = value
        }
        if root.children.isEmpty { return nil }
        return materialize(root)
    }

    private static func materialize(_ n: Node) -> JSONValue {
        if n.children.isEmpty { return n.value ?? .null }
        if n.slots > 0 {
            var items = [JSONValue](repeating: .null, count: n.slots)
            var extras: [JSONMember] = []
            for (k, c) in n.children {
                if let i = Int(k), i >= 0, i < n.slots { items[i] = materialize(c) } else { extras.append(JSONMember(String(k), materialize(c))) }
            }
            return extras.isEmpty ? .array(items) : .object(items.enumerated().map { JSONMember(String($0.offset), $0.element) } + extras)
        }
        return .object(n.children.map { JSONMember(String($0.key), materialize($0.node)) })
    }
}
