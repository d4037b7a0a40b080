import Foundation
import TestSupport
import Testing

/// `genai-collector process`: the gateway pipeline's processors over a request with personal data
/// and a priced model, as an operator would dry-run it before deploying.
@Suite(.timeLimit(.minutes(5)))
struct ProcessCommandTests {
    let cli = TranslateCommandTests()
    static let root = TranslateCommandTests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
    static let gateway = root.appendingPathComponent("pipelines/gateway-redact.yaml").path
    static let request = TranslateCommandTests.fixtures.appendingPathComponent("synthetic/pii_chat.otlp.json").path
    /// The gateway config reads its bearer tokens from secret files at load.
    static let tokens: [String: String] = {
        let path = NSTemporaryDirectory() + "genai-process-token"
        try? "t0ken\n".write(toFile: path, atomically: true, encoding: .utf8)
        return ["GENAI_COLLECTOR_TOKEN_FILE": path, "GENAI_COLLECTOR_METRICS_TOKEN_FILE": path]
    }()

    @Test func gatewayRedactsPricesAndTagsWhatWouldLeave() async throws {
        let r = try await cli.run(["process", "--config", Self.gateway, "--output", "langfuse", Self.request], environment: Self.tokens)
        #expect(r.status == 0, "\(r.stderr)")
        let text = String(decoding: r.stdout, as: UTF8.self)
        for secret in ["jane.doe@example.com", "4111 1111 1111 1111", "sk-proj-AbCdEf0123456789GhIjKlMnOp"] { #expect(!text.contains(secret)) }
        let doc = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        let events = try #require(doc["batch"] as? [[String: Any]])
        let generation = try #require(events.first { $0["type"] as? String == "generation-create" }?["body"] as? [String: Any])
        // 1200 × 2.5e-6 + 300 × 1e-5
        let cost = try #require(generation["costDetails"] as? [String: Double])
        #expect(abs((cost["total"] ?? 0) - 0.006) < 1e-12)
        #expect(generation["environment"] as? String == "production")
        let input = try #require(generation["input"] as? String)
        #expect(input.contains("<EMAIL>") && input.contains("<CREDIT_CARD>") && input.contains("<OPENAI_KEY>"))
        #expect((try? JSONSerialization.jsonObject(with: Data(input.utf8))) != nil, "the messages are still valid JSON")
    }

    @Test func otlpJSONOutputIsTheProcessedRequest() async throws {
        let r = try await cli.run(["process", "--config", Self.gateway, Self.request], environment: Self.tokens)
        #expect(r.status == 0, "\(r.stderr)")
        let text = String(decoding: r.stdout, as: UTF8.self)
        #expect(text.contains("\"resourceSpans\"") && text.contains("redaction.email.count") && text.contains("genai_collector.cost.model"))
        #expect(!text.contains("jane.doe@example.com"))
    }

    @Test func mistakesFailWithAMessage() async throws {
        let noPipeline = try await cli.run(["process", "--config", Self.gateway, "--pipeline", "traces/other", Self.request], environment: Self.tokens)
        #expect(noPipeline.status == 1 && noPipeline.stdout.isEmpty && noPipeline.stderr.contains("no pipeline 'traces/other'"))
        let badConfig = try await cli.run(["process", "--config", "yaml:processors: {redaction: {default_action: hide}}", Self.request])
        #expect(badConfig.status == 1 && badConfig.stderr.contains("processors.redaction.default_action"))
        let badInput = try await cli.run(["process", "--config", Self.gateway, "-"], stdin: Data("{not json".utf8), environment: Self.tokens)
        #expect(badInput.status == 1 && badInput.stdout.isEmpty && badInput.stderr.contains("invalid OTLP trace request"))
    }
}
