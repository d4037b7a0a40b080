import CollectorCore
import CollectorRuntime
import Foundation
import TestSupport
import Testing

/// `/ui` in a real headless browser (Debian's chromium) while a real client (pydantic-ai, two
/// agents) sends its traces: the page's script must fetch and draw the model, a cost and the trace.
/// The screenshot is saved under .build/test-output for the README.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct LiveViewBrowserTests {
    static let output = Scripts.here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/test-output")

    static func chromium(_ args: [String]) async throws -> (Int32, String) {
        try await Scripts.cmd(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,1500", "--virtual-time-budget=5000"]
                + args)
    }

    @Test func thePageDrawsTheLiveTrafficInABrowser() async throws {
        let python = Scripts.here.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/frameworks/pydantic_ai/bin/python3").path
        #expect(FileManager.default.isExecutableFile(atPath: python), "\(python) is missing: scripts/framework-env.sh installs it")
        let dir = NSTemporaryDirectory() + "genai-ui-\(UUID().uuidString)"
        defer { removeTestFiles(dir) }
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            processors:
              redaction: {}
              environment: {value: production}
              cost_inference: {}
              groupbytrace: {wait_duration: 200ms}
              agent_attribution: {}
              batch: {timeout: 100ms}
            exporters: {file/out: {directory: "\(dir)"}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [redaction, environment, cost_inference, groupbytrace, agent_attribution, batch], exporters: [file/out]}}
            """
        try await CollectorHarness.with([yaml]) { running in
            let c = running[0]
            let (status, out) = try await Scripts.cmd([
                python, FrameworkEndToEndTests.apps.appendingPathComponent("pydantic_ai_agents_app.py").path,
                "http://127.0.0.1:\(c.port("otlp/http"))/v1/traces",
            ])
            #expect(status == 0, "client: \(out)")
            #expect(try await eventually { c.counters.total(.exporterSentSpans) == 8 }, "sent \(c.counters.total(.exporterSentSpans)) of 8")
            let url = "http://127.0.0.1:\(c.port("metrics"))/ui"
            let (domStatus, dom) = try await Self.chromium(["--dump-dom", url])
            #expect(domStatus == 0, "chromium: \(dom.suffix(2000))")
            // Drawn by the page's script from /ui/api/summary: none of it is in the HTML as served.
            #expect(dom.contains("<td>gpt-4o-mini-2024-07-18</td>"), "the model's row")
            #expect(dom.contains("$0.0000306"), "the four calls' cost (4 × $7.65e-6)")
            #expect(dom.contains(#"<span class="n">travel_agent run</span>"#), "the trace")
            #expect(dom.contains("<td>weather_agent</td>") && dom.contains("<td>travel_agent</td>"), "the agents")
            #expect(dom.contains("in: "), "input shown: redaction ran before the view")
            try FileManager.default.createDirectory(at: Self.output, withIntermediateDirectories: true)
            let png = Self.output.appendingPathComponent("live-view.png").path
            removeTestFiles(png)
            let (shotStatus, shot) = try await Self.chromium(["--screenshot=\(png)", url])
            #expect(shotStatus == 0, "chromium: \(shot.suffix(2000))")
            let size = (try FileManager.default.attributesOfItem(atPath: png)[.size] as? Int) ?? 0
            #expect(size > 50_000, "a screenshot of the drawn page, \(size) bytes")
        }
    }
}
