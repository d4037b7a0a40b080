import CollectorCore
import CollectorRuntime
import Foundation
import GenAIMapping
import OTLP
import Processors
import TestSupport
import Testing

/// One agent interaction per framework (Tests/Frameworks/NAME_app.py): a question, a model call that
/// asks for the weather tool, the tool, and a model call that answers, against a fake OpenAI server.
struct Framework: Sendable, CustomTestStringConvertible {
    let name: String
    /// Spans the app exports, exactly.
    let spans: Int
    /// The name of the agent observation the model calls and the tool sit under.
    let agent: String
    /// The user and session the app sets on its trace, if it sets them.
    var user: String? = nil
    var session: String? = nil
    var testDescription: String { name }

    static let all: [Framework] = [
        .init(name: "openai_agents", spans: 8, agent: "Weather agent"),
        .init(name: "pydantic_ai", spans: 4, agent: "weather_agent run"),
        .init(name: "langchain", spans: 4, agent: "weather_agent"),
        .init(name: "strands", spans: 6, agent: "invoke_agent weather_agent"),
        .init(name: "traceloop", spans: 5, agent: "weather_agent.agent"),
        .init(name: "openlit", spans: 6, agent: "invoke_agent weather_agent"),
        .init(name: "langfuse_openai", spans: 4, agent: "weather_agent", user: "user-fw", session: "sess-fw"),
    ]

    /// gpt-4o-mini for the fake server's usage (21 input of which 4 cached, 8 output): 17 × 1.5e-7 +
    /// 4 × 7.5e-8 + 8 × 6e-7.
    static let callCost = 7.65e-6

    /// What the interaction must come out as, in Langfuse ingestion events.
    func check(_ events: [JSONValue], _ source: String) {
        let what = "\(name) (\(source))"
        let observations = events.compactMap { e -> (type: String, body: JSONValue)? in
            guard let t = e["type"]?.stringValue, t != "trace-create", t.hasSuffix("-create"), let b = e["body"] else { return nil }
            return (String(t.dropLast("-create".count)), b)
        }
        let traces = events.filter { $0["type"]?.stringValue == "trace-create" }.compactMap { $0["body"] }
        let traceIDs = Set(observations.compactMap { $0.body["traceId"]?.stringValue } + traces.compactMap { $0["id"]?.stringValue })
        #expect(traceIDs.count == 1, "\(what): one trace per interaction, got \(traceIDs.sorted())")
        #expect(observations.count == spans, "\(what): \(observations.count) observations")
        #expect(traces.contains { $0["name"]?.stringValue?.isEmpty == false }, "\(what): the trace has a name")
        if let user { #expect(traces.contains { $0["userId"]?.stringValue == user }, "\(what): user \(user)") }
        if let session { #expect(traces.contains { $0["sessionId"]?.stringValue == session }, "\(what): session \(session)") }

        let generations = observations.filter { $0.type == "generation" }.map(\.body)
        #expect(generations.count == 2, "\(what): \(generations.count) generations")
        for g in generations {
            let id = g["id"]?.stringValue ?? "?"
            #expect(g["model"]?.stringValue?.hasPrefix("gpt-4o-mini") == true, "\(what) \(id): model \(String(describing: g["model"]))")
            #expect(present(g["input"]) && present(g["output"]), "\(what) \(id): input and output")
            let usage = g["usageDetails"]
            #expect(
                usage?["input"] == .int(17) && usage?["output"] == .int(8) && usage?["total"] == .int(29), "\(what) \(id): usage \(String(describing: usage))")
            #expect(abs((g["costDetails"]?["total"]?.numberValue ?? 0) - Self.callCost) < 1e-12, "\(what) \(id): cost \(String(describing: g["costDetails"]))")
        }
        let tools = observations.filter { $0.type == "tool" }.map(\.body)
        #expect(tools.count == 1 && tools.first?["name"]?.stringValue == "get_weather", "\(what): tools \(tools.map { $0["name"] })")
        #expect(tools.allSatisfy { present($0["input"]) && JSONWriter.serialize($0["output"] ?? .null).contains("Sunny") }, "\(what): tool input and output")
        // The tool's name names the tool only (OpenLIT also puts it on the chat span that asked for it).
        #expect(observations.filter { $0.body["name"]?.stringValue == "get_weather" }.count == 1, "\(what): one observation named get_weather")
        let agents = observations.filter { $0.type == "agent" }.map(\.body)
        #expect(agents.contains { $0["name"]?.stringValue == agent }, "\(what): agents \(agents.map { $0["name"] })")

        // Parent links: one root, every parent is in the trace, and each call and the tool sit under the agent.
        var parent: [String: String] = [:]
        var type: [String: String] = [:]
        for o in observations {
            guard let id = o.body["id"]?.stringValue else { continue }
            type[id] = o.type
            if let p = o.body["parentObservationId"]?.stringValue { parent[id] = p }
        }
        #expect(type.count == observations.count && type.count - parent.count == 1, "\(what): one root")
        #expect(parent.values.allSatisfy { type[$0] != nil }, "\(what): every parent is an observation of the trace")
        for o in observations where o.type == "generation" || o.type == "tool" {
            var at = o.body["id"]?.stringValue
            var underAgent = false
            for _ in 0..<observations.count {
                guard let a = at, let p = parent[a] else { break }
                if type[p] == "agent" { underAgent = true }
                at = p
            }
            #expect(underAgent, "\(what): \(o.type) \(o.body["name"]?.stringValue ?? "") under an agent")
        }
        // No observation counts the calls' cost a second time.
        let total = observations.reduce(0.0) { $0 + ($1.body["costDetails"]?["total"]?.numberValue ?? 0) }
        #expect(abs(total - 2 * Self.callCost) < 1e-12, "\(what): trace cost \(total)")
    }

    private func present(_ v: JSONValue?) -> Bool {
        guard let v else { return false }
        return v != .null
    }
}

/// The committed captures (scripts/capture-frameworks.py), through cost inference and translation:
/// runs everywhere, with no framework installed.
@Suite(.timeLimit(.minutes(5)))
struct FrameworkCaptureTests {
    /// Every capture has its expectations here, and every framework here its capture and its app.
    @Test func everyFrameworkHasItsCaptureAndApp() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: FixtureFiles.directory.appendingPathComponent("frameworks").path)
        let captured = Set(files.filter { $0.hasSuffix(".otlp.pb") }.map { String($0.dropLast(".otlp.pb".count)) })
        #expect(captured == Set(Framework.all.map(\.name)))
        let apps = try FileManager.default.contentsOfDirectory(atPath: FrameworkEndToEndTests.apps.path)
        // openai_v2 puts its content in log records: LogJoinPipelineTests drives it live.
        #expect(Set(apps.filter { $0.hasSuffix(".requirements.txt") }.map { String($0.dropLast(".requirements.txt".count)) }) == captured.union(["openai_v2"]))
        #expect(captured.allSatisfy { apps.contains("\($0)_app.py") })
    }

    @Test(arguments: Framework.all)
    func captureComesOutAsOneLangfuseTrace(_ framework: Framework) throws {
        var batch = try OTLPProtobufDecoder().decode(try FixtureFiles.bytes("frameworks/\(framework.name).otlp.pb"))
        let outcome = CostInferenceProcessor(config: .init()).process(&batch)
        #expect(outcome["priced"] + outcome["priced_over_zero"] == 2)
        let events = IngestionBatchEncoder().events(GenAITranslator().translate(batch))
        framework.check(events, "capture")
    }
}

/// Each framework live: its app, in its own environment (scripts/framework-env.sh), exports to the
/// collector (environment, cost_inference, batch, file exporter); the file's events are checked.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct FrameworkEndToEndTests {
    static let apps = Scripts.here.deletingLastPathComponent().appendingPathComponent("Frameworks")

    @Test(arguments: Framework.all)
    func liveInteractionComesOutAsOneLangfuseTrace(_ framework: Framework) async throws {
        let python = Scripts.here.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/frameworks/\(framework.name)/bin/python3").path
        #expect(
            FileManager.default.isExecutableFile(atPath: python),
            "\(python) is missing: scripts/framework-env.sh (run by scripts/test.sh) installs it")
        let r = try await EndToEndTests().run(
            expectedSpans: framework.spans, processors: "environment: {value: e2e}\n  cost_inference: {}",
            order: ["environment", "cost_inference"]
        ) { port in
            try await Scripts.cmd([python, Self.apps.appendingPathComponent("\(framework.name)_app.py").path, "http://127.0.0.1:\(port)/v1/traces"])
        }
        framework.check(r.events, "live")
    }
}
