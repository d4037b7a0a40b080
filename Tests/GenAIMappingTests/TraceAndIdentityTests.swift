import CollectorCore
import GenAIMapping
import Testing

@Suite(.timeLimit(.minutes(5)))
struct TraceRecordTests {
    let root = TestSpan(
        attributes: [("langfuse.trace.name", .s("my-trace")), ("input.value", .s("q"))], name: "root",
        spanID: "1111111111111111")

    func child(_ attrs: [(String, A)], id: String = "2222222222222222") -> TestSpan {
        TestSpan(attributes: attrs, name: "child", spanID: id, parentID: "1111111111111111")
    }

    @Test func rootSpanMakesAFullTraceWithItsIO() throws {
        let r = try translate([root])
        #expect(r.traces.count == 1)
        let t = r.traces[0]
        #expect(t.kind == .full && t.name == "my-trace" && r.json(t.input) == .string("q"))
        #expect(t.id.hex == "0af7651916cd43dd8448eb211c80319c")
        #expect(t.timestampUnixNano == 1_700_000_000_123_456_789)
    }

    @Test func traceNameFallsBackToTheObservationName() throws {
        let r = try translate([TestSpan(attributes: [("gen_ai.tool.name", .s("search"))], name: "execute_tool")])
        #expect(r.traces[0].name == "search")
        #expect(r.observations[0].name == "search")
    }

    /// OpenLIT puts the requested tool's name on the chat span; the model call keeps its own name.
    @Test func aToolNameDoesNotRenameAModelCall() throws {
        let chat = TestSpan(
            attributes: [("gen_ai.operation.name", .s("chat")), ("gen_ai.tool.name", .s("get_weather")), ("gen_ai.request.model", .s("gpt-4o"))],
            name: "chat gpt-4o")
        let embedding = TestSpan(attributes: [("gen_ai.operation.name", .s("embeddings")), ("gen_ai.tool.name", .s("t"))], name: "embed")
        let r = try translate([chat, embedding])
        #expect(r.observations.map(\.type) == [.generation, .embedding])
        #expect(r.observations.map(\.name) == ["chat gpt-4o", "embed"])
    }

    @Test func childWithTraceAttributesMakesAnUpdate() throws {
        let r = try translate([child([("user.id", .s("u1")), ("langfuse.trace.input", .s("ti"))])])
        #expect(r.traces.map(\.kind) == [.update])
        #expect(r.traces[0].userID == "u1" && r.json(r.traces[0].input) == .string("ti") && r.traces[0].name == nil)
        #expect(r.traces[0].metadata?.value(for: "attributes") == nil)
    }

    @Test func plainChildrenMakeOneMinimalTrace() throws {
        let r = try translate([child([]), child([], id: "3333333333333333")])
        #expect(r.traces.map(\.kind) == [.minimal])
        #expect(r.traces[0].name == nil && r.traces[0].environment == "default")
    }

    @Test func noMinimalTraceWhenTheRootIsInTheBatch() throws {
        let r = try translate([child([]), root])
        #expect(r.traces.map(\.kind) == [.full])
    }

    @Test func asRootMakesAChildARoot() throws {
        let r = try translate([child([("langfuse.internal.as_root", .b(true))])])
        #expect(r.traces[0].kind == .full)
        #expect(r.observations[0].parentObservationID?.hex == "1111111111111111")
    }

    @Test func ourTraceUpdateKeysIncludeConversationID() throws {
        let r = try translate([child([("gen_ai.conversation.id", .s("conv"))])])
        #expect(r.traces[0].kind == .update && r.traces[0].sessionID == "conv")
    }

    @Test func timesAreTruncatedAndMissingEdgesCopied() throws {
        var s = root
        s.end = 0
        let r = try translate([s])
        #expect(r.observations[0].endTimeUnixNano == s.start)
        let events = IngestionBatchEncoder().events(r)
        let observationEvent = events.first { $0["type"]?.stringValue != "trace-create" }
        #expect(observationEvent?["body"]?["startTime"] == .string("2023-11-14T22:13:20.123Z"))
    }
}

@Suite(.timeLimit(.minutes(5)))
struct IdentityTests {
    func trace(_ attrs: [(String, A)], resource: [(String, A)] = []) throws -> LangfuseTrace {
        try translate([TestSpan(attributes: attrs)], resource: resource).traces[0]
    }

    @Test func userAndSessionPrecedence() throws {
        #expect(try trace([("user.id", .s("b")), ("langfuse.user.id", .s("a"))]).userID == "a")
        #expect(try trace([("langfuse.trace.metadata.langfuse_user_id", .s("m"))]).userID == "m")
        #expect(try trace([("ai.telemetry.metadata.userId", .s("v"))]).userID == "v")
        #expect(try trace([("traceloop.association.properties.user_id", .s("t"))]).userID == "t")
        #expect(try trace([("session.id", .s("s")), ("gen_ai.conversation.id", .s("c"))]).sessionID == "s")
        #expect(try trace([("gen_ai.conversation.id", .s("c"))]).sessionID == "c")
        #expect(try trace([], resource: [("user.id", .s("r"))]).userID == nil)
    }

    @Test func tagForms() throws {
        #expect(try trace([("langfuse.trace.tags", .arr([.s("a"), .s("b")]))]).tags == ["a", "b"])
        #expect(try trace([("langfuse.trace.tags", .s(#"["x","y"]"#))]).tags == ["x", "y"])
        #expect(try trace([("langfuse.tags", .s("p, q ,r"))]).tags == ["p", "q", "r"])
        #expect(try trace([("tag.tags", .s("solo"))]).tags == ["solo"])
        #expect(try trace([]).tags == nil)
    }

    @Test func publicReleaseVersion() throws {
        #expect(try trace([("langfuse.trace.public", .s("true"))]).isPublic == true)
        #expect(try trace([("langfuse.public", .s("yes"))]).isPublic == false)
        #expect(try trace([]).isPublic == nil)
        let t = try trace([], resource: [("service.version", .s("1.2")), ("langfuse.release", .s("r9"))])
        #expect(t.version == "1.2" && t.release == "r9")
        #expect(try trace([("langfuse.version", .s("v2"))], resource: [("service.version", .s("1.2"))]).version == "v2")
    }
}

@Suite(.timeLimit(.minutes(5)))
struct EnvironmentTests {
    @Test(arguments: [
        ("Production", "production"), ("PROD", "prod"), ("langfuse-test", "test"), ("langfuse_experiment", "experiment"),
        ("langfuse", "default"), (".invalid!", "default"), ("langfuselangfuse-prompt-experiment", "prompt-experiment"),
        (String(repeating: "a", count: 50), String(repeating: "a", count: 40)), ("", "default"),
    ])
    func normalisation(_ raw: String, _ expected: String) {
        #expect(Environment.normalize(raw) == expected)
    }

    @Test func spanBeforeResourceForEachKey() throws {
        let resource: [(String, A)] = [("langfuse.environment", .s("res")), ("deployment.environment.name", .s("dep"))]
        #expect(try observation([("deployment.environment.name", .s("span"))], resource: resource).environment == "res")
        #expect(try observation([("langfuse.environment", .s("Staging"))], resource: resource).environment == "staging")
        #expect(try observation([], resource: [("deployment.environment", .s("qa"))]).environment == "qa")
        #expect(try observation([]).environment == "default")
    }
}
