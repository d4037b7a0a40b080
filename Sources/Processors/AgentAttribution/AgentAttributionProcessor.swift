import CollectorCore
import GenAISemantics

/// Attributes each observation of a whole trace to its agent and stage, marks aggregate spans,
/// and observes the trace-level histograms (duration, cost) once per trace. Facts are read through
/// the translator's own rules (`SpanWalker`), so types, names and usage are those exported.
public struct AgentAttributionProcessor: TraceProcessor {
    public let config: AgentAttribution.Config
    let counters: Counters
    /// Distinct trace names kept as labels; the rest are `other` (counted).
    static let traceNameLimit = 200
    static let environmentLimit = 50

    public init(config: AgentAttribution.Config, counters: Counters) {
        self.config = config
        self.counters = counters
    }

    /// Where an observation's span lies: which part, which row of its span table.
    private struct Place {
        var part: Int
        var span: Int
    }

    /// What the trace-level series need of one trace.
    private struct TraceFacts {
        var start = UInt64.max
        var end: UInt64 = 0
        var name: String?
        var environment: String?
        var cost = 0.0
    }

    public func process(trace parts: inout [TraceBatch]) -> ProcessorOutcome {
        var nodes: [TraceTree.Node] = []
        var places: [Place] = []
        var costs: [Double] = []
        var times: [(UInt64, UInt64)] = []
        var roots: [TraceID: (name: String, environment: String)] = [:]
        var environments: [TraceID: String] = [:]
        for p in parts.indices {
            SpanWalker().forEachSpan(parts[p]) { ctx, spanIndex in
                let span = ctx.span
                let type = ctx.observationType()
                var name = ""
                if type == .agent {
                    name = ctx.truthyText(.genAIAgentName) ?? ctx.truthyText(.openInferenceAgentName) ?? ctx.observationName(type: type)
                } else if type == .chain {
                    name = ctx.observationName(type: type)
                }
                let usage = ctx.usageDetails()
                let own = type == .agent || type == .chain ? ctx.spanUsage() : nil
                nodes.append(.init(trace: span.traceID, id: span.spanID, parent: span.parentSpanID, type: type, name: name, usage: usage, ownUsage: own))
                places.append(Place(part: p, span: spanIndex))
                costs.append(ctx.costDetails()?.overall ?? 0)
                times.append((span.startTimeUnixNano, span.endTimeUnixNano))
                let environment = ctx.environment()
                if environments[span.traceID] == nil { environments[span.traceID] = environment }
                if span.parentSpanID == nil {
                    roots[span.traceID] = (ctx.truthyText(.langfuseTraceName) ?? ctx.observationName(type: type), environment)
                }
            }
        }
        var outcome = ProcessorOutcome()
        guard !nodes.isEmpty else { return outcome }
        let tree = TraceTree(nodes)
        let agents = tree.nearest(.agent)
        let stages = tree.nearest(.chain)
        let aggregate = config.detectAggregates ? tree.aggregates() : [Bool](repeating: false, count: nodes.count)

        // Stamp: keys stored once per part, each distinct name once per part.
        var keys: [(agent: ByteRange, stage: ByteRange, aggregate: ByteRange)?] = Array(repeating: nil, count: parts.count)
        var names: [[String: ByteRange]] = Array(repeating: [:], count: parts.count)
        func stored(_ name: String, _ p: Int) -> ByteRange {
            if let r = names[p][name] { return r }
            let r = parts[p].store(name)
            names[p][name] = r
            return r
        }
        for i in nodes.indices {
            let (p, s) = (places[i].part, places[i].span)
            let a = agents[i]
            let st = stages[i]
            guard a >= 0 || st >= 0 || aggregate[i] else { outcome.add("no_agent"); continue }
            if keys[p] == nil {
                // A share of a larger request is copied out before the first write (see compacted()).
                if parts[p].isShareOfLargerRequest { parts[p] = parts[p].compacted() }
                keys[p] = (
                    parts[p].store(CollectorAttributeKey.observationMetadata(AgentAttribution.agentKey)),
                    parts[p].store(CollectorAttributeKey.observationMetadata(AgentAttribution.stageKey)),
                    parts[p].store(CollectorAttributeKey.usageAggregate)
                )
            }
            let k = keys[p]!
            if a >= 0 {
                parts[p].setSpanAttribute(s, key: k.agent, value: .string(stored(nodes[a].name, p)))
                outcome.add("agent")
            } else {
                outcome.add("no_agent")
            }
            if st >= 0 {
                parts[p].setSpanAttribute(s, key: k.stage, value: .string(stored(nodes[st].name, p)))
                outcome.add("stage")
            }
            if aggregate[i] {
                parts[p].setSpanAttribute(s, key: k.aggregate, value: .bool(true))
                outcome.add("aggregate")
            }
        }
        observeTraces(nodes, aggregate: aggregate, costs: costs, times: times, roots: roots, environments: environments)
        return outcome
    }

    /// One duration and one cost per trace: earliest start to latest end (Langfuse's trace latency),
    /// and the cost of what is not an aggregate.
    private func observeTraces(
        _ nodes: [TraceTree.Node], aggregate: [Bool], costs: [Double], times: [(UInt64, UInt64)],
        roots: [TraceID: (name: String, environment: String)], environments: [TraceID: String]
    ) {
        var traces: [TraceID: TraceFacts] = [:]
        for i in nodes.indices {
            var f = traces[nodes[i].trace] ?? TraceFacts()
            let (start, end) = times[i]
            if start != 0 { f.start = min(f.start, start) }
            f.end = max(f.end, end, start)
            if !aggregate[i] { f.cost += costs[i] }
            traces[nodes[i].trace] = f
        }
        var durations: [(Counters.Key, Double)] = []
        var traceCosts: [(Counters.Key, Double)] = []
        for (id, f) in traces {
            let root = roots[id]
            let environment = counters.bounded("environment", root?.environment ?? environments[id] ?? "default", limit: Self.environmentLimit)
            let name = root.map { counters.bounded("trace_name", $0.name, limit: Self.traceNameLimit) } ?? "none"
            if f.start != .max, f.end >= f.start {
                durations.append((Counters.Key(.traceDuration, ["name": name, "environment": environment]), Double(f.end - f.start) / 1e9))
            }
            traceCosts.append((Counters.Key(.traceCost, ["environment": environment]), f.cost))
        }
        counters.observe(durations + traceCosts)
    }
}
