import CollectorCore
import GenAISemantics

/// The observations of one or more whole traces as a tree, for questions about ancestors and
/// descendants: which agent and which stage own each observation, and which agent or chain spans
/// only repeat the usage of the model calls below them. Pure: built from facts, no batch access.
struct TraceTree {
    struct Node {
        var trace: TraceID
        var id: SpanID
        var parent: SpanID?
        var type: ObservationType
        /// For an agent, its name (`gen_ai.agent.name`, else the observation's); for a chain, its name.
        var name: String
        /// The usage the observation exports (nil for an aggregate the translator already strips).
        var usage: UsageDetails?
        /// The usage the span carries, aggregate or not (agent and chain spans only).
        var ownUsage: UsageDetails?
    }

    let nodes: [Node]
    /// Index of each node's parent, -1 for a root or a parent outside the traces.
    let parents: [Int]

    init(_ nodes: [Node]) {
        self.nodes = nodes
        var byID: [TraceSpanKey: Int] = [:]
        byID.reserveCapacity(nodes.count)
        for (i, n) in nodes.enumerated() { byID[TraceSpanKey(trace: n.trace, span: n.id)] = i }
        parents = nodes.map { n in n.parent.flatMap { byID[TraceSpanKey(trace: n.trace, span: $0)] } ?? -1 }
    }

    /// For each node, the nearest node of `type` on its path to the root, itself included; -1 when
    /// none. Memoised along each path, so linear; a parent cycle (bad data) ends the walk with none.
    func nearest(_ type: ObservationType) -> [Int] {
        let unknown = -2
        var out = [Int](repeating: unknown, count: nodes.count)
        var path: [Int] = []
        for start in nodes.indices where out[start] == unknown {
            path.removeAll(keepingCapacity: true)
            var at = start
            var found = -1
            while at >= 0 {
                if out[at] != unknown { found = out[at]; break }
                if nodes[at].type == type { found = at; break }
                path.append(at)
                if path.count > nodes.count { found = -1; break }
                at = parents[at]
            }
            if at >= 0, out[at] == unknown { out[at] = found }
            for p in path { out[p] = found }
        }
        return out
    }

    /// Agent and chain nodes whose own usage repeats what their descendants count, key for key:
    /// either all of it (a cumulative total, as Strands and older pydantic-ai report), or the part
    /// outside nested agents (the calls the agent made itself, as pydantic-ai's per-run usage is).
    /// Descendants that are aggregates themselves count nothing. Counting such a span too would
    /// count its model calls twice. A span with usage and no descendant usage (a remote agent's own
    /// spend) is not an aggregate.
    func aggregates() -> [Bool] {
        var children = [[Int]](repeating: [], count: nodes.count)
        var roots: [Int] = []
        for (i, p) in parents.enumerated() { if p >= 0 { children[p].append(i) } else { roots.append(i) } }
        // What each node's descendants count: all of them, and those outside nested agents.
        var all = [UsageDetails](repeating: UsageDetails(), count: nodes.count)
        var direct = [UsageDetails](repeating: UsageDetails(), count: nodes.count)
        var aggregate = [Bool](repeating: false, count: nodes.count)
        // Iterative post-order from each root; nodes only reachable through a cycle are never visited.
        var stack: [(node: Int, expanded: Bool)] = roots.map { ($0, false) }
        while let (i, expanded) = stack.popLast() {
            if !expanded {
                stack.append((i, true))
                for c in children[i] { stack.append((c, false)) }
                continue
            }
            var sumAll = UsageDetails()
            var sumDirect = UsageDetails()
            for c in children[i] {
                let counted = aggregate[c] ? nil : nodes[c].usage
                Self.add(&sumAll, all[c])
                if let counted { Self.add(&sumAll, counted) }
                guard nodes[c].type != .agent else { continue }
                Self.add(&sumDirect, direct[c])
                if let counted { Self.add(&sumDirect, counted) }
            }
            all[i] = sumAll
            direct[i] = sumDirect
            let n = nodes[i]
            guard n.type == .agent || n.type == .chain, let own = n.ownUsage else { continue }
            aggregate[i] = Self.repeats(own, sumAll) || Self.repeats(own, sumDirect)
        }
        return aggregate
    }

    /// Every non-zero key of `own` equals the descendants' sum, and there is at least one.
    static func repeats(_ own: UsageDetails, _ sum: UsageDetails) -> Bool {
        var any = false
        for (key, value) in own.pairs where value != 0 {
            guard sum[key] == value else { return false }
            any = true
        }
        return any
    }

    static func add(_ sum: inout UsageDetails, _ u: UsageDetails) {
        for (key, value) in u.pairs { sum[key] = (sum[key] ?? 0) + value }
    }
}

struct TraceSpanKey: Hashable {
    var trace: TraceID
    var span: SpanID
}
