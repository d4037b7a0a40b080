import CollectorCore
import CollectorRuntime
import Foundation
import TestSupport
import Testing

/// Two agents, one delegating to the other, in real frameworks (Tests/Frameworks/*_agents_app.py)
/// through groupbytrace and agent_attribution: which agent owns each model call, the usage agent
/// spans repeat kept apart, and the series by agent, exactly.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct AgentAttributionPipelineTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var venv: String
        var app: String
        var arguments: [String] = []
        var spans: Int
        var agents: (outer: String, inner: String)
        var traceName: String
        /// Agent observations whose usage repeats their calls'.
        var aggregates: Int
        var testDescription: String { ([app] + arguments).joined(separator: " ") }
    }

    static let cases: [Case] = [
        // Run spans report their own calls' usage under gen_ai.usage.* (earlier releases, or
        // use_aggregated_usage_attribute_names=False): both are aggregates.
        Case(
            venv: "pydantic_ai", app: "pydantic_ai_agents_app.py", spans: 8, agents: ("travel_agent", "weather_agent"),
            traceName: "travel_agent run", aggregates: 2),
        // The default: gen_ai.aggregated_usage.*, which no backend sums. Nothing to keep apart.
        Case(
            venv: "pydantic_ai", app: "pydantic_ai_agents_app.py", arguments: ["--aggregated-names"], spans: 8,
            agents: ("travel_agent", "weather_agent"), traceName: "travel_agent run", aggregates: 0),
        // OpenInference: agents carry no usage; the inner agent sits under a tool and a workflow chain.
        Case(
            venv: "openai_agents", app: "openai_agents_agents_app.py", spans: 15, agents: ("Travel agent", "Weather agent"),
            traceName: "Agent workflow", aggregates: 0),
    ]

    static let model = "gpt-4o-mini-2024-07-18"

    @Test(arguments: cases)
    func eachModelCallIsCountedOnceUnderItsAgent(_ c: Case) async throws {
        let python = Scripts.here.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/frameworks/\(c.venv)/bin/python3").path
        #expect(FileManager.default.isExecutableFile(atPath: python), "\(python) is missing: scripts/framework-env.sh installs it")
        let r = try await EndToEndTests().run(
            expectedSpans: c.spans,
            processors: "environment: {value: e2e}\n  cost_inference: {}\n  groupbytrace: {wait_duration: 200ms}\n  agent_attribution: {}",
            order: ["environment", "cost_inference", "groupbytrace", "agent_attribution"]
        ) { port in
            try await Scripts.cmd(
                [python, FrameworkEndToEndTests.apps.appendingPathComponent(c.app).path, "http://127.0.0.1:\(port)/v1/traces"] + c.arguments)
        }
        let observations = r.events.filter { ($0["type"]?.stringValue ?? "").hasSuffix("-create") && $0["type"]?.stringValue != "trace-create" }
            .compactMap { e -> (type: String, body: JSONValue)? in
                guard let t = e["type"]?.stringValue, let b = e["body"] else { return nil }
                return (String(t.dropLast("-create".count)), b)
            }
        #expect(observations.count == c.spans)
        // Each model call names its own agent: the outer's two, the inner's two.
        let generations = observations.filter { $0.type == "generation" }.map(\.body)
        let owners = generations.map { $0["metadata"]?["agent"]?.stringValue ?? "-" }.sorted()
        #expect(owners == [c.agents.outer, c.agents.outer, c.agents.inner, c.agents.inner].sorted(), "\(owners)")
        // Each agent observation owns itself; the aggregates carry no usage, only metadata.
        let agents = observations.filter { $0.type == "agent" }.map(\.body)
        for name in [c.agents.outer, c.agents.inner] {
            let a = agents.first { $0["metadata"]?["agent"]?.stringValue == name && ($0["name"]?.stringValue ?? "").contains(name) }
            #expect(a != nil, "the \(name) observation owns itself")
            if c.aggregates > 0 {
                #expect(a?["usageDetails"] == nil || a?["usageDetails"] == .null, "\(name): \(String(describing: a?["usageDetails"]))")
                #expect(a?["metadata"]?["aggregated_usage"]?["input"] == .int(34) && a?["metadata"]?["aggregated_usage"]?["output"] == .int(16))
            } else {
                #expect(a?["metadata"]?["aggregated_usage"] == nil)
            }
        }
        // The trace costs its four calls, once each, in the records and in the histogram.
        let cost = observations.reduce(0.0) { $0 + ($1.body["costDetails"]?["total"]?.numberValue ?? 0) }
        #expect(abs(cost - 4 * Framework.callCost) < 1e-12, "trace cost \(cost)")
        let counters = r.app.counters
        #expect(counters.value(.processorOutcomes, ["processor": "agent_attribution", "outcome": "aggregate"]) == c.aggregates)
        let traceCost = counters.histogram(.traceCost, ["environment": "e2e"])
        #expect(traceCost?.count == 1 && abs((traceCost?.sum ?? 0) - 4 * Framework.callCost) < 1e-12, "\(String(describing: traceCost))")
        #expect(
            counters.histogram(.traceDuration, ["name": c.traceName, "environment": "e2e"])?.count == 1,
            "\(counters.histogramSnapshot().filter { $0.0.metric == .traceDuration }.map { "\($0.0.labels): \($0.1.count)" })")
        // Tokens by agent: 29 per call, two calls each; the aggregates' apart.
        for name in [c.agents.outer, c.agents.inner] {
            let labels = ["model": Self.model, "environment": "e2e", "observation_type": "generation", "agent": name, "usage": "total"]
            #expect(counters.value(.tokens, labels) == 58, "\(name): \(counters.value(.tokens, labels))")
            #expect(counters.value(.aggregatedTokens, ["agent": name, "usage": "total"]) == (c.aggregates > 0 ? 58 : 0))
            let durations = counters.histogram(.operationDuration, ["model": Self.model, "type": "generation", "environment": "e2e", "agent": name])
            #expect(durations?.count == 2, "\(name): \(String(describing: durations))")
        }
        let tokenTotal = counters.snapshot().filter { $0.0.metric == .tokens && $0.0.labels["usage"] == "total" }.reduce(0.0) { $0 + $1.1 }
        #expect(tokenTotal == 4 * 29)
        if c.aggregates == 0 { #expect(!counters.snapshot().contains { $0.0.metric == .aggregatedTokens }) }
    }

    /// It needs whole traces: after groupbytrace, before batch; its keys are checked.
    @Test func itsPlaceAndKeysAreChecked() {
        func errors(_ chain: String, _ options: String = "{}") -> String {
            TailSamplingTests.chainErrors("groupbytrace: {}, batch: {}, agent_attribution: \(options)", chain)
        }
        #expect(errors("groupbytrace, agent_attribution, batch") == "")
        #expect(errors("groupbytrace, agent_attribution, batch", "{detect_aggregates: false}") == "")
        #expect(errors("agent_attribution, batch").contains("agent_attribution works on whole traces: put a groupbytrace processor before it"))
        #expect(errors("groupbytrace, batch, agent_attribution").contains("agent_attribution must come before batch"))
        #expect(errors("groupbytrace, agent_attribution", "{agent_key: owner}").contains("agent_key"))
    }
}
