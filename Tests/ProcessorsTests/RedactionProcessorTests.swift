import Foundation
import CollectorCore
import GenAIMapping
import OTLP
import Processors
import Testing

@Suite(.timeLimit(.minutes(5)))
struct RedactionProcessorTests {
    static let messages =
        #"[{"role":"system","content":"Be brief."},{"role":"user","parts":[{"type":"text","content":"I am jane.doe@example.com, card 4111 1111 1111 1111, my key is sk-proj-AbCdEf0123456789GhIjKlMnOp.\nThanks \"bot\""}],"meta":{"depth":[1,[2,[3]]],"ok":true,"n":null}}]"#

    func config(_ entries: [ConfigEntry]) throws -> RedactionProcessor.Config {
        try decodeConfig(entries, path: "processors.redaction") { (m) throws(ConfigError) in try RedactionProcessor.Config(&m) }
    }

    static func s(_ text: String) -> ConfigNode { plain(text) }

    /// The issue's acceptance case: e-mail, card and API key inside `gen_ai.input.messages` leave as
    /// valid JSON of the same shape with none of the three.
    @Test func messagesStayValidJSONWithoutTheSecrets() throws {
        var b = try batch([[("gen_ai.input.messages", Self.messages), ("gen_ai.request.model", "gpt-4o")]])
        let outcome = RedactionProcessor(config: .init()).process(&b)
        let out = try #require(value(b, span: 0, "gen_ai.input.messages"))
        for secret in ["jane.doe@example.com", "4111 1111 1111 1111", "sk-proj-AbCdEf0123456789GhIjKlMnOp"] { #expect(!out.contains(secret)) }
        for placeholder in ["<EMAIL>", "<CREDIT_CARD>", "<OPENAI_KEY>"] { #expect(out.contains(placeholder)) }
        let original = try JSONParser().parse(Self.messages), redacted = try JSONParser().parse(out)
        #expect(Self.shape(original) == Self.shape(redacted))
        #expect(out.contains(#"Thanks \"bot\""#) && out.contains(#""meta":{"depth":[1,[2,[3]]],"ok":true,"n":null}"#))
        #expect(value(b, span: 0, "redaction.email.count") == "1" && value(b, span: 0, "redaction.credit_card.count") == "1")
        #expect(value(b, span: 0, "gen_ai.request.model") == "gpt-4o")
        #expect(outcome.metrics[Counters.Key(.redactions, ["processor": "redaction", "rule": "openai_key", "action": "mask"])] == 1)
        // And the translated observation carries the redacted input.
        let records = GenAITranslator().translate(b)
        let events = IngestionBatchEncoder().events(records)
        #expect(!JSONWriter.serialize(.array(events)).contains("jane.doe"))
    }

    /// Keys and container kinds, with every string replaced by a marker.
    static func shape(_ v: JSONValue) -> JSONValue {
        switch v {
        case .string: return .string("s")
        case .array(let a): return .array(a.map(shape))
        case .object(let m): return .object(m.map { JSONMember($0.key, shape($0.value)) })
        default: return v
        }
    }

    @Test func hashingGivesStablePseudonyms() throws {
        let c = try config([
            ConfigEntry("detectors", .mapping([ConfigEntry("email", Self.s("hash"))])),
            ConfigEntry("hash_key", .scalar("0123456789abcdef-test-key", quoted: true)),
        ])
        var b = try batch([[("user.email", "Jane.Doe@Example.com")], [("note", "mail jane.doe@example.com please")]])
        _ = RedactionProcessor(config: c).process(&b)
        let a = try #require(value(b, span: 0, "user.email")), m = try #require(value(b, span: 1, "note"))
        #expect(a.hasPrefix("<EMAIL:") && a.count == "<EMAIL:12345678>".count)
        #expect(m == "mail \(a) please")  // same person, same pseudonym (case folded)
        // Another key, another pseudonym.
        let other = try config([
            ConfigEntry("detectors", .mapping([ConfigEntry("email", Self.s("hash"))])),
            ConfigEntry("hash_key", .scalar("another-key-of-16-bytes", quoted: true)),
        ])
        var b2 = try batch([[("user.email", "jane.doe@example.com")]])
        _ = RedactionProcessor(config: other).process(&b2)
        #expect(value(b2, span: 0, "user.email") != a)
    }

    @Test func dropRemovesTheAttributeAndMasksNames() throws {
        let c = try config([ConfigEntry("detectors", .mapping([ConfigEntry("us_ssn", Self.s("drop"))]))])
        var b = try batch([[("a", "x"), ("customer", "ssn 123-45-6789"), ("b", "y")]], events: true)
        b.spans[0].name = b.store("lookup 123-45-6789")
        let outcome = RedactionProcessor(config: c).process(&b)
        #expect(value(b, span: 0, "customer") == nil && value(b, span: 0, "a") == "x" && value(b, span: 0, "b") == "y")
        #expect(b.string(b.spans[0].name) == "<US_SSN>")
        #expect(outcome["attributes_dropped"] == 1)
        #expect(b.events.allSatisfy { b.string(b.attributes[Int($0.attributes.start)].key) == "ek" })
    }

    @Test func keyRules() throws {
        var b = try batch([
            [
                ("http.request.header.authorization", "Basic dXNlcjpwYXNz"), ("ai.request.headers.x-custom", "v"),
                ("my_api_key", "plain"), ("gen_ai.usage.input_tokens", "12"),
            ]
        ])
        _ = RedactionProcessor(config: .init()).process(&b)
        #expect(value(b, span: 0, "http.request.header.authorization") == "<REDACTED>")
        #expect(value(b, span: 0, "ai.request.headers.x-custom") == "<REDACTED>" && value(b, span: 0, "my_api_key") == "<REDACTED>")
        #expect(value(b, span: 0, "gen_ai.usage.input_tokens") == "12")
        #expect(value(b, span: 0, "redaction.deny_key.count") == "3")

        let allow = try config([ConfigEntry("allowed_keys", .sequence([Self.s("gen_ai.*"), Self.s("service.name")]))])
        var b2 = try batch(
            [[("gen_ai.request.model", "gpt-4o"), ("user.email", "a@example.com"), ("custom", "x")]],
            resource: [("service.name", "shop"), ("host.name", "h1")])
        _ = RedactionProcessor(config: allow).process(&b2)
        #expect(value(b2, span: 0, "gen_ai.request.model") == "gpt-4o" && value(b2, span: 0, "user.email") == nil && value(b2, span: 0, "custom") == nil)
        #expect(b2.resources[0].attributes.count == 1)
    }

    @Test func everyPlaceIsCovered() throws {
        var b = try batch([[("x", "1")]], resource: [("owner", "ops@example.com")], events: true)
        b.spans[0].status = SpanStatus(code: 2, message: b.store("failed for bob@example.com"))
        let eventValue = b.store("ping 10.0.0.7")
        b.attributes[Int(b.events[0].attributes.start)].value = .string(eventValue)
        _ = RedactionProcessor(config: .init(markApplied: true)).process(&b)
        #expect(b.string(b.attributes[Int(b.resources[0].attributes.start)].value.stringRange!) == "<EMAIL>")
        #expect(b.string(b.spans[0].status!.message) == "failed for <EMAIL>")
        #expect(b.string(b.attributes[Int(b.events[0].attributes.start)].value.stringRange!) == "ping <IP_ADDRESS>")
        #expect(value(b, span: 0, "redaction.applied") == "true")
        #expect(value(b, span: 0, "redaction.email.count") == "1")  // the resource's is counted in metrics only
    }

    @Test func failsClosed() throws {
        let deep = String(repeating: "[", count: 80) + "\"a@example.com\"" + String(repeating: "]", count: 80)
        var b = try batch([[("gen_ai.input.messages", deep)]])
        let outcome = RedactionProcessor(config: .init()).process(&b)
        #expect(value(b, span: 0, "gen_ai.input.messages") == "<REDACTED>")
        #expect(outcome.metrics[Counters.Key(.redactions, ["processor": "redaction", "rule": "fail_closed", "action": "mask"])] == 1)

        var b2 = try batch([[("blob", "x")]])
        let r = b2.store(bytes: [0xFF, 0xFE, 0x00, 0x41])
        b2.attributes[Int(b2.spans[0].attributes.start)].value = .bytes(r)
        _ = RedactionProcessor(config: .init()).process(&b2)
        #expect(b2.byteArray(b2.attributes[Int(b2.spans[0].attributes.start)].value.bytesRange!) == Array("<REDACTED>".utf8))
    }

    @Test func customPatternsAndWords() throws {
        let c = try config([
            ConfigEntry("custom", .sequence([.mapping([ConfigEntry("name", Self.s("employee_id")), ConfigEntry("pattern", Self.s("EMP-[0-9]{6}"))])])),
            ConfigEntry("words", .sequence([.mapping([ConfigEntry("name", Self.s("codename")), ConfigEntry("words", .sequence([Self.s("Nightjar")]))])])),
        ])
        var b = try batch([[("note", "EMP-123456 works on NIGHTJAR, not nightjars; mail a@example.com")]])
        _ = RedactionProcessor(config: c).process(&b)
        #expect(value(b, span: 0, "note") == "<EMPLOYEE_ID> works on <CODENAME>, not nightjars; mail <EMAIL>")
    }

    @Test(
        arguments: [
            ([ConfigEntry("detectors", .mapping([ConfigEntry("emails", s("mask"))]))], "processors.redaction.detectors.emails: unknown detector"),
            (
                [ConfigEntry("detectors", .mapping([ConfigEntry("email", s("hide"))]))],
                "processors.redaction.detectors.email: 'hide' is not one of mask, hash, drop, off"
            ),
            ([ConfigEntry("default_action", s("hash"))], "processors.redaction.hash_key: required when a rule's action is hash"),
            ([ConfigEntry("default_action", s("hash")), ConfigEntry("hash_key", s("short"))], "processors.redaction.hash_key: must be at least 16 bytes"),
            (
                [ConfigEntry("custom", .sequence([.mapping([ConfigEntry("name", s("email")), ConfigEntry("pattern", s("x"))])]))],
                "processors.redaction.custom[0].name: 'email' is already a rule name"
            ),
            (
                [ConfigEntry("custom", .sequence([.mapping([ConfigEntry("name", s("bad")), ConfigEntry("pattern", s("("))])]))],
                "processors.redaction.custom[0].pattern: invalid regular expression"
            ),
            ([ConfigEntry("deny_key", .sequence([]))], "processors.redaction.deny_key: unknown key"),
        ] as [([ConfigEntry], String)])
    func configMistakesNameTheirPath(_ entries: [ConfigEntry], _ message: String) throws {
        expectRefused(message) { _ = try config(entries) }
    }
}

extension AttributeValue {
    var stringRange: ByteRange? { if case .string(let r) = self { return r } else { return nil } }
    var bytesRange: ByteRange? { if case .bytes(let r) = self { return r } else { return nil } }
}

/// The places redaction reaches since the boundary review, each on its own, with its counts.
@Suite(.timeLimit(.minutes(5)))
struct RedactionReachTests {
    static func decode(_ json: String) throws -> TraceBatch { try OTLPJSONDecoder().decode(Array(json.utf8)) }

    static func span(_ attributes: String, extra: String = "") -> String {
        """
        {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0123456789abcdef0123456789abcdef","spanId":"0123456789abcdef",
          "name":"s","attributes":\(attributes)\(extra)}]}]}]}
        """
    }

    /// A key with a finding is rewritten with the placeholder and keeps its (scanned) value.
    @Test func keysAreScannedAndRewritten() throws {
        var b = try Self.decode(Self.span(#"[{"key":"user.alice@example.com.4111111111111111","value":{"stringValue":"v"}}]"#))
        let outcome = RedactionProcessor(config: .init()).process(&b)
        let keys = b.attributes[b.spans[0].attributes.range].map { b.string($0.key) }
        // (`user.alice@example.com` is itself an address: the local part may hold dots.)
        #expect(keys.contains("<EMAIL>.<CREDIT_CARD>"), "\(keys)")
        #expect(value(b, span: 0, "<EMAIL>.<CREDIT_CARD>") == "v")
        #expect(outcome.metrics[Counters.Key(.redactions, ["processor": "redaction", "rule": "email", "action": "mask"])] == 1)
    }

    /// Numbers are read as digits under `numeric_keys` (every key by default); `[]` turns it off.
    @Test func numbersUnderNumericKeys() throws {
        let json = Self.span(
            #"[{"key":"card","value":{"intValue":"4111111111111111"}},{"key":"amount","value":{"doubleValue":4111111111111111.0}},{"key":"tokens","value":{"intValue":"1200"}}]"#
        )
        var b = try Self.decode(json)
        _ = RedactionProcessor(config: .init()).process(&b)
        #expect(value(b, span: 0, "card") == "<CREDIT_CARD>" && value(b, span: 0, "amount") == "<CREDIT_CARD>")
        #expect(value(b, span: 0, "tokens") == "1200")
        var off = try Self.decode(json)
        _ = RedactionProcessor(config: .init(numericKeys: [])).process(&off)
        #expect(value(off, span: 0, "card") == "4111111111111111")
        var some = try Self.decode(json)
        _ = RedactionProcessor(config: .init(numericKeys: ["card"])).process(&some)
        #expect(value(some, span: 0, "card") == "<CREDIT_CARD>" && value(some, span: 0, "amount") != "<CREDIT_CARD>")
    }

    /// A lone surrogate no longer makes the JSON redactor give up and leave escaped secrets in place.
    @Test func aLoneSurrogateFailsClosed() throws {
        let doc = #"{\"a\":\"\\ud800 4111\\u003111111111111 alice.leak\\u0040example.com\"}"#
        var b = try Self.decode(Self.span(#"[{"key":"doc","value":{"stringValue":"\#(doc)"}}]"#))
        _ = RedactionProcessor(config: .init()).process(&b)
        let out = try #require(value(b, span: 0, "doc"))
        #expect(!out.contains("alice") && !out.contains("4111"), "\(out)")
        #expect(out.contains("<EMAIL>") && out.contains("<CREDIT_CARD>"))
        #expect(throws: Never.self) { _ = try JSONParser().parse(out) }
    }

    /// Names, versions, URLs and trace states are text too.
    @Test func namesVersionsURLsAndTraceStates() throws {
        let json = """
            {"resourceSpans":[{"schemaUrl":"https://x/alice@example.com","scopeSpans":[{"scope":{"name":"bob@example.com","version":"4111111111111111"},
              "schemaUrl":"s/carol@example.com","spans":[{"traceId":"0123456789abcdef0123456789abcdef","spanId":"0123456789abcdef",
              "traceState":"v=dave@example.com","name":"s","events":[{"name":"mail erin@example.com"}],
              "links":[{"traceId":"0123456789abcdef0123456789abcdef","spanId":"0123456789abcdef","traceState":"w=frank@example.com"}]}]}]}]}
            """
        var b = try Self.decode(json)
        let outcome = RedactionProcessor(config: .init()).process(&b)
        let texts = [
            b.string(b.resources[0].schemaURL), b.string(b.scopes[0].name), b.string(b.scopes[0].version), b.string(b.scopes[0].schemaURL),
            b.string(b.spans[0].traceState), b.string(b.events[0].name), b.string(b.links[0].traceState),
        ]
        #expect(texts == ["https://x/<EMAIL>", "<EMAIL>", "<CREDIT_CARD>", "s/<EMAIL>", "v=<EMAIL>", "mail <EMAIL>", "w=<EMAIL>"])
        #expect(outcome.metrics[Counters.Key(.redactions, ["processor": "redaction", "rule": "email", "action": "mask"])] == 6)
    }

    /// A value split across flattened message parts is found joined; each part loses its share.
    @Test func splitAcrossFlattenedMessages() throws {
        var b = try Self.decode(
            Self.span(
                #"""
                [{"key":"gen_ai.prompt.1.content","value":{"stringValue":"example.com, thanks"}},
                 {"key":"gen_ai.prompt.0.content","value":{"stringValue":"write to alice@"}},
                 {"key":"gen_ai.prompt.0.role","value":{"stringValue":"user"}}]
                """#))
        _ = RedactionProcessor(config: .init()).process(&b)
        #expect(value(b, span: 0, "gen_ai.prompt.0.content") == "write to <EMAIL>")
        #expect(value(b, span: 0, "gen_ai.prompt.1.content") == ", thanks")
        #expect(value(b, span: 0, "redaction.email.count") == "1")
    }

    /// Deny-list names used as keys inside a JSON value: the value goes, whatever it is.
    @Test func denyKeysInsideJSON() throws {
        let doc = #"{\"user\":\"u\",\"password\":\"hunter2\",\"pwd\":{\"a\":[1,2]},\"x-auth-token\":12345,\"input_tokens\":7}"#
        var b = try Self.decode(Self.span(#"[{"key":"doc","value":{"stringValue":"\#(doc)"}}]"#))
        _ = RedactionProcessor(config: .init()).process(&b)
        let out = try #require(value(b, span: 0, "doc"))
        #expect(out == #"{"user":"u","password":"<REDACTED>","pwd":"<REDACTED>","x-auth-token":"<REDACTED>","input_tokens":7}"#)
        #expect(value(b, span: 0, "redaction.deny_key.count") == "3")
    }

    /// A base64 run is found wherever it starts (the search tests aligned blocks of eight), is
    /// replaced whole with its padding, and a run that decodes to binary or a long word is left.
    @Test func base64RunsAtEveryOffset() throws {
        let processor = RedactionProcessor(config: .init())
        // Sixteen characters, the shortest run looked at, and a long one.
        for run in ["b@example.io", "mail alice.leak@example.com now"].map({ Data($0.utf8).base64EncodedString() }) {
            for offset in 0..<17 {
                for (before, after) in [(" ", " "), ("\"", "\""), (":", "."), ("\n", "\t")] {
                    let text = String(repeating: "x", count: offset) + before + run + after + "tail"
                    let out = try #require(processor.redact(text: Array(text.utf8)), "offset \(offset)")
                    let s = String(decoding: out, as: UTF8.self)
                    #expect(!s.contains(run.prefix(16)) && !s.contains("="), "offset \(offset): \(s)")
                    #expect(s.hasSuffix(after + "tail") && s.hasPrefix(String(repeating: "x", count: offset) + before))
                }
            }
        }
        let binary = Data((0..<48).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 200) }).base64EncodedString()
        for clean in ["id " + binary + " end", "aVeryLongCamelCaseIdentifierName", "the_quick_brown_fox_jumps_over"] {
            #expect(processor.redact(text: Array(clean.utf8)) == nil, "\(clean)")
        }
    }
}
