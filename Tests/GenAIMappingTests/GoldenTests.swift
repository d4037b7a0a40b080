import CollectorCore
import Foundation
import GenAIMapping
import OTLP
import TestSupport
import Testing

/// Each request → ingestion batch, compared with a reviewed golden file. `UPDATE_GOLDEN=1` writes
/// the files that differ and fails each of them (the diff is for review, and a run that rewrote its
/// own expectations proves nothing); refused when `CI` is set.
@Suite(.timeLimit(.minutes(5)))
struct GoldenTests {
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let synthetic = [
        "genai_semconv_current", "genai_semconv_legacy", "openinference_kinds", "vercel_ai",
        "pydantic_logfire", "agent_tree", "genai_evaluations",
    ]

    func check(_ name: String, _ batch: TraceBatch) throws {
        let records = GenAITranslator().translate(batch)
        let document = JSONValue.object([JSONMember("batch", .array(IngestionBatchEncoder().events(records)))])
        let url = Self.goldenDirectory.appendingPathComponent(name + ".golden.json")
        let environment = ProcessInfo.processInfo.environment
        let golden = try? JSONParser().parse(Array(try Data(contentsOf: url)))
        guard document != golden else { return }
        if environment["UPDATE_GOLDEN"] == "1" {
            guard environment["CI"] == nil else {
                Issue.record("UPDATE_GOLDEN is refused when CI is set: goldens are written on a developer's machine and reviewed")
                return
            }
            try (JSONWriter.pretty(document) + "\n").write(to: url, atomically: true, encoding: .utf8)
            Issue.record("\(name): wrote \(url.lastPathComponent); review the diff, then run again without UPDATE_GOLDEN")
            return
        }
        #expect(golden != nil, "\(name): no golden file \(url.lastPathComponent) (UPDATE_GOLDEN=1 writes it)")
        #expect(document == golden, "\(name): translation differs from \(url.lastPathComponent)")
    }

    @Test(arguments: FixtureFiles.captures)
    func capturedRequests(_ name: String) throws {
        try check(name, try OTLPProtobufDecoder().decode(try FixtureFiles.bytes(name + ".otlp.pb")))
        // The OTLP/JSON form of the same request must translate identically.
        try check(name, try OTLPJSONDecoder().decode(try FixtureFiles.bytes(name + ".otlp.json")))
    }

    /// The agent frameworks' captures (scripts/capture-frameworks.py), named after their files. A
    /// listing that fails gives no cases here; `frameworkCapturesAreThere` lists again and says why.
    static let frameworks = (try? captures(in: FixtureFiles.directory.appendingPathComponent("frameworks").path)) ?? []

    static func captures(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".otlp.pb") }.map { String($0.dropLast(".otlp.pb".count)) }.sorted()
    }

    @Test func frameworkCapturesAreThere() throws {
        let listed = try Self.captures(in: FixtureFiles.directory.appendingPathComponent("frameworks").path)
        #expect(!listed.isEmpty, "Tests/Fixtures/frameworks holds no captures")
        #expect(Self.frameworks == listed)
    }

    @Test(arguments: frameworks)
    func frameworkCaptures(_ name: String) throws {
        try check("framework_" + name, try OTLPProtobufDecoder().decode(try FixtureFiles.bytes("frameworks/\(name).otlp.pb")))
    }

    @Test(arguments: synthetic)
    func attributeFamilies(_ name: String) throws {
        let batch = try OTLPJSONDecoder().decode(try FixtureFiles.bytes("synthetic/\(name).otlp.json"))
        try check(name, batch)
        // And through protobuf: encoding must not change the translation.
        try check(name, try OTLPProtobufDecoder().decode(OTLPProtobufEncoder().encode(batch)))
    }
}

/// The acceptance facts from the issue, asserted directly (not only through goldens).
@Suite(.timeLimit(.minutes(5)))
struct CaptureExpectationTests {
    func records(_ name: String) throws -> LangfuseRecords {
        GenAITranslator().translate(try OTLPProtobufDecoder().decode(try FixtureFiles.bytes(name + ".otlp.pb")))
    }

    @Test func langfuseSDKCapture() throws {
        let r = try records("langfuse_sdk_observe_generation")
        #expect(Set(r.traces.map(\.id)).count == 1)
        let full = try #require(r.traces.first { $0.kind == .full })
        #expect(full.userID == "user-42" && full.sessionID == "sess-7" && full.tags == ["capture", "fixture"])
        #expect(Set(r.observations.map(\.type)) == [.span, .tool, .generation])
        let gen = try #require(r.observations.first { $0.type == .generation })
        #expect(gen.model == "gpt-4o-mini-2024-07-18")
        #expect(gen.usageDetails?["input"] == 17 && gen.usageDetails?["input_cached_tokens"] == 4 && gen.usageDetails?["total"] == 29)
    }

    @Test func openInferenceCapture() throws {
        let r = try records("openinference_openai_3chats")
        let gens = r.observations.filter { $0.type == .generation }
        #expect(gens.count == 3)
        for g in gens {
            #expect(g.model == "gpt-4o-mini-2024-07-18")
            #expect(g.usageDetails?["total"] == 29)
            let input = r.json(g.input)
            let messages = input?.arrayValue ?? input?["messages"]?.arrayValue ?? []
            #expect(!messages.isEmpty && messages.allSatisfy { $0["role"] != nil })
        }
        #expect(gens[1].completionStartTime != nil)  // the streamed call
    }

    @Test func traceloopCapture() throws {
        let r = try records("traceloop_openai_workflow")
        #expect(r.observations.filter { $0.type == .generation }.count == 3)
        #expect(r.traces.first { $0.kind == .full }?.userID == "user-42")
    }
}
