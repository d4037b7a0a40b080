import CollectorCore
import GenAIMapping
import Testing

@Suite(.timeLimit(.minutes(5)))
struct MetadataTests {
    @Test func attributesAreStringifiedAndMessageFamiliesLeftOut() throws {
        let o = try observation([
            ("http.status", .i(200)), ("flag", .b(true)), ("list", .arr([.s("a")])),
            ("obj", .kv([("k", .s("v"))])), ("gen_ai.prompt.0.content", .s("hi")),
            ("langfuse.observation.metadata.x", .s("1")), ("input.value", .s("in")),
        ])
        let attrs = o.metadata.value(for: "attributes")
        #expect(attrs == json(#"{"http.status":"200","flag":"true","list":"[\"a\"]","obj":"{\"k\":\"v\"}"}"#))
        #expect(o.metadata.value(for: "x") == .string("1"))
    }

    @Test func resourceAttributesAndScopeKeepTheirTypes() throws {
        let o = try observation([], resource: [("service.name", .s("svc")), ("pid", .i(7))])
        #expect(o.metadata.value(for: "resourceAttributes") == json(#"{"service.name":"svc","pid":7}"#))
        #expect(o.metadata.value(for: "scope") == json(#"{"name":"test-scope","version":"1.0","attributes":{}}"#))
    }

    @Test func langfuseSDKScopesOmitAttributes() throws {
        let o = try observation([("some.key", .s("v"))], scope: "langfuse-sdk")
        #expect(o.metadata.value(for: "attributes") == nil)
    }

    @Test func blobThenDottedKeys() throws {
        let o = try observation([
            ("langfuse.observation.metadata", .s(#"{"a":1,"b":2}"#)), ("langfuse.observation.metadata.b", .s("dotted")),
            ("ai.telemetry.metadata.userId", .s("hidden")), ("ai.telemetry.metadata.feature", .s("f")),
            ("langfuse.observation.metadata.q", .s("\"quoted\"")),
        ])
        #expect(o.metadata.value(for: "a") == .int(1))
        #expect(o.metadata.value(for: "b") == .string("dotted"))
        #expect(o.metadata.value(for: "feature") == .string("f"))
        #expect(o.metadata.value(for: "userId") == nil)
        // Ours: a JSON-encoded string is unwrapped.
        #expect(o.metadata.value(for: "q") == .string("quoted"))
    }

    @Test func invalidBlobIsDroppedButTheSpanSurvives() throws {
        let o = try observation([("langfuse.observation.metadata", .s("{not json")), ("gen_ai.request.model", .s("m"))])
        #expect(o.type == .generation)
        #expect(o.metadata.value(for: "attributes") != nil)
    }

    @Test func traceMetadataLayers() throws {
        let r = try translate(
            [TestSpan(attributes: [("langfuse.trace.metadata.k", .s("span")), ("langfuse.trace.metadata.only", .s("x"))])],
            resource: [("langfuse.trace.metadata.k", .s("resource")), ("langfuse.trace.metadata.r", .s("y"))])
        let md = r.json(r.traces[0].metadata) ?? []
        #expect(md.value(for: "k") == .string("span"))
        #expect(md.value(for: "r") == .string("y"))
        #expect(md.value(for: "only") == .string("x"))
        let observationMetadata = r.json(r.observations[0].metadata) ?? []
        #expect(observationMetadata.value(for: "only") == nil)
        #expect(observationMetadata.value(for: "r") == .string("y"))
    }
}

@Suite(.timeLimit(.minutes(5)))
struct LevelTests {
    @Test(arguments: [
        ("warn", ObservationLevel.warning), ("Critical", .error), ("verbose", .debug), ("success", .default),
        ("bogus", .default),
    ])
    func levelAliases(_ raw: String, _ expected: ObservationLevel) throws {
        #expect(try observation([("langfuse.observation.level", .s(raw))]).level == expected)
    }

    @Test func errorStatusMakesAnErrorWithItsMessage() throws {
        let o = try observation([]) {
            $0.statusCode = 2; $0.statusMessage = "boom"
        }
        #expect(o.level == .error && o.statusMessage == "boom")
        let explicit = try observation([("langfuse.observation.status_message", .s("mine"))]) {
            $0.statusCode = 2; $0.statusMessage = "boom"
        }
        #expect(explicit.statusMessage == "mine")
    }

    @Test func oursExceptionEventGivesTheMessageOfAFailedSpan() throws {
        let o = try observation([]) { span in
            span.statusCode = 2
            span.events = [("exception", 5, [("exception.type", .s("ValueError")), ("exception.message", .s("bad input"))])]
        }
        #expect(o.statusMessage == "ValueError: bad input")
        let ok = try observation([]) { span in
            span.events = [("exception", 5, [("exception.message", .s("handled"))])]
        }
        #expect(ok.statusMessage == nil && ok.level == .default)
    }

    @Test func livekitNoiseIsDebug() throws {
        #expect(try observation([], name: "tts_node", scope: "livekit-agents").level == .debug)
    }

    @Test func completionStartTime() throws {
        #expect(
            try observation([("langfuse.observation.completion_start_time", .s("2024-05-01T10:00:00.123456+02:00"))])
                .completionStartTime == "2024-05-01T10:00:00.123456+02:00")
        #expect(
            try observation([("langfuse.observation.completion_start_time", .s("\"2024-05-01T10:00:00Z\""))])
                .completionStartTime == "2024-05-01T10:00:00Z")
        #expect(try observation([("langfuse.observation.completion_start_time", .s("soon"))]).completionStartTime == nil)
        #expect(try observation([("ai.response.msToFirstChunk", .d(12.2))]).completionStartTime == "2023-11-14T22:13:20.136Z")
        #expect(try observation([("gen_ai.response.time_to_first_chunk", .d(0.5))]).completionStartTime == "2023-11-14T22:13:20.623Z")
    }

    @Test func promptLinks() throws {
        let gen: [(String, A)] = [("langfuse.observation.type", .s("generation"))]
        let legacy = try observation(gen + [("langfuse.prompt.name", .s("p")), ("langfuse.prompt.version", .s("4"))])
        #expect(legacy.promptName == "p" && legacy.promptVersion == 4)
        let vercel = try observation(gen + [("ai.telemetry.metadata.langfusePrompt", .s(#"{"name":"vp","version":2}"#))])
        #expect(vercel.promptName == "vp" && vercel.promptVersion == 2)
        // Ours: a half link is dropped, the generation is kept.
        let half = try observation(gen + [("langfuse.observation.prompt.name", .s("p"))])
        #expect(half.type == .generation && half.promptName == nil && half.promptVersion == nil)
    }
}
