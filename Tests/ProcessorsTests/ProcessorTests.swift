import CollectorCore
import GenAIMapping
import OTLP
import Processors
import Testing

/// A batch of spans with the given attributes, under a resource with the given attributes.
func batch(_ spans: [[(String, String)]], resource: [(String, String)] = [], events: Bool = false) throws -> TraceBatch {
    func attrs(_ list: [(String, String)]) -> JSONValue {
        .array(list.map { .object([JSONMember("key", .string($0.0)), JSONMember("value", .object([JSONMember("stringValue", .string($0.1))]))]) })
    }
    let spanValues: [JSONValue] = spans.enumerated().map { i, a in
        var members = [
            JSONMember("traceId", .string("0af7651916cd43dd8448eb211c80319c")),
            JSONMember("spanId", .string(String(format16: i + 1))), JSONMember("name", .string("s\(i)")),
            JSONMember("attributes", attrs(a)),
        ]
        // An event after each span's attributes, so growing a span must move its slice.
        if events {
            members.append(JSONMember("events", .array([.object([JSONMember("name", .string("e")), JSONMember("attributes", attrs([("ek", "ev")]))])])))
        }
        return .object(members)
    }
    let doc = JSONValue.object([
        JSONMember(
            "resourceSpans",
            .array([
                .object([
                    JSONMember("resource", .object([JSONMember("attributes", attrs(resource))])),
                    JSONMember("scopeSpans", .array([.object([JSONMember("spans", .array(spanValues))])])),
                ])
            ]))
    ])
    var w = JSONWriter()
    w.write(doc)
    return try OTLPJSONDecoder().decode(w.bytes)
}

extension String {
    init(format16 n: Int) {
        let hex = String(n, radix: 16)
        self = String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Decodes a processor config from entries as the loader would, rejecting unread keys.
func decodeConfig<T>(_ entries: [ConfigEntry], path: String, _ make: (inout ConfigMap) throws(ConfigError) -> T) throws -> T {
    var m = try ConfigMap(.mapping(entries), path: path)
    let c = try make(&m)
    try m.finish()
    return c
}

/// The config must be refused with a message that starts with `message` (its key path first).
func expectRefused(_ message: String, _ decode: () throws -> Void) {
    do {
        try decode()
        Issue.record("accepted: \(message)")
    } catch {
        #expect("\(error)".hasPrefix(message), "\(error)")
    }
}

/// A plain (unquoted) config scalar.
func plain(_ text: String) -> ConfigNode { .scalar(text, quoted: false) }

func value(_ b: TraceBatch, span: Int, _ key: String) -> String? {
    b.attributeIndex(in: b.spans[span].attributes, key: key).map { b.stringified(b.attributes[$0].value) }
}

@Suite(.timeLimit(.minutes(5)))
struct EnvironmentProcessorTests {
    func config(_ yaml: [ConfigEntry]) throws -> EnvironmentProcessor.Config {
        var m = try ConfigMap(.mapping(yaml), path: "processors.environment")
        let c = try EnvironmentProcessor.Config(&m)
        try m.finish()
        return c
    }

    @Test func rulesThenAttributeThenValue() throws {
        let p = EnvironmentProcessor(
            config: EnvironmentProcessor.Config(
                rules: [.init(attribute: "k8s.namespace.name", equals: nil, matches: try CompiledPattern("-stg$", path: ""), environment: "staging")],
                fromAttribute: "env.hint", value: "production"))
        var b = try batch([[("k8s.namespace.name", "shop-stg")], [("env.hint", "QA")], [("other", "x")]], events: true)
        let outcome = p.process(&b)
        #expect(value(b, span: 0, "langfuse.environment") == "staging")
        #expect(value(b, span: 1, "langfuse.environment") == "qa")  // normalised as Langfuse does
        #expect(value(b, span: 2, "langfuse.environment") == "production")
        #expect(outcome["tagged"] == 3)
        // Growing the spans moved their slices; their events are intact.
        #expect(b.events.count == 3 && b.events.allSatisfy { b.string(b.attributes[Int($0.attributes.start)].key) == "ek" })
        #expect(value(b, span: 0, "k8s.namespace.name") == "shop-stg")
    }

    @Test func resourceAttributesAreASource() throws {
        let p = EnvironmentProcessor(config: EnvironmentProcessor.Config(fromAttribute: "k8s.namespace.name"))
        var b = try batch([[], []], resource: [("k8s.namespace.name", "payments")])
        _ = p.process(&b)
        #expect(value(b, span: 0, "langfuse.environment") == "payments" && value(b, span: 1, "langfuse.environment") == "payments")
    }

    @Test func fillInKeepsAnExistingEnvironmentUnlessOverriding() throws {
        var b = try batch([[("deployment.environment.name", "canary")], []])
        let outcome = EnvironmentProcessor(config: EnvironmentProcessor.Config(value: "production")).process(&b)
        #expect(value(b, span: 0, "langfuse.environment") == nil && value(b, span: 1, "langfuse.environment") == "production")
        #expect(outcome["kept"] == 1)
        var o = try batch([[("langfuse.environment", "dev")]])
        _ = EnvironmentProcessor(config: EnvironmentProcessor.Config(value: "production", override: true)).process(&o)
        #expect(value(o, span: 0, "langfuse.environment") == "production")
        #expect(o.spans[0].attributes.count == 1)  // replaced in place, not added twice
    }

    @Test func theTranslatorReadsTheTag() throws {
        var b = try batch([[("gen_ai.request.model", "gpt-4o")]])
        _ = EnvironmentProcessor(config: EnvironmentProcessor.Config(value: "eu-prod")).process(&b)
        #expect(GenAITranslator().translate(b).observations[0].environment == "eu-prod")
    }

    @Test func configFromYAMLShape() throws {
        let c = try config([
            ConfigEntry(
                "rules",
                .sequence([
                    .mapping([
                        ConfigEntry("attribute", .scalar("service.name", quoted: false)), ConfigEntry("equals", .scalar("checkout-dev", quoted: false)),
                        ConfigEntry("environment", .scalar("dev", quoted: false)),
                    ])
                ])), ConfigEntry("override", .scalar("true", quoted: false)),
        ])
        #expect(c.rules.count == 1 && c.rules[0].equals == "checkout-dev" && c.override)
        #expect(throws: ConfigError.self) {
            try config([
                ConfigEntry(
                    "rules",
                    .sequence([
                        .mapping([
                            ConfigEntry("attribute", .scalar("a", quoted: false)),
                            ConfigEntry("environment", .scalar("x", quoted: false)),
                        ])
                    ]))
            ])
        }
    }
}

@Suite(.timeLimit(.minutes(5)))
struct AttributesProcessorTests {
    typealias Step = AttributesProcessor.Step

    @Test func insertUpdateUpsert() throws {
        let p = AttributesProcessor(
            config: .init(actions: [
                Step(action: .insert, key: "team", pattern: nil, value: .string("payments"), fromAttribute: nil),
                Step(action: .insert, key: "existing", pattern: nil, value: .string("ignored"), fromAttribute: nil),
                Step(action: .update, key: "missing", pattern: nil, value: .int(1), fromAttribute: nil),
                Step(action: .update, key: "existing", pattern: nil, value: .bool(true), fromAttribute: nil),
                Step(action: .upsert, key: "tenant", pattern: nil, value: nil, fromAttribute: "x-tenant"),
            ]))
        var b = try batch([[("existing", "old"), ("x-tenant", "acme")], [("existing", "old")]], events: true)
        let outcome = p.process(&b)
        #expect(value(b, span: 0, "team") == "payments" && value(b, span: 1, "team") == "payments")
        #expect(value(b, span: 0, "existing") == "true")
        #expect(value(b, span: 0, "missing") == nil)
        #expect(value(b, span: 0, "tenant") == "acme" && value(b, span: 1, "tenant") == nil)
        #expect(outcome["insert"] == 2 && outcome["update"] == 2 && outcome["upsert"] == 1)
    }

    @Test func deleteByKeyAndPattern() throws {
        let p = AttributesProcessor(
            config: .init(actions: [
                Step(action: .delete, key: "secret", pattern: nil, value: nil, fromAttribute: nil),
                Step(action: .delete, key: nil, pattern: try CompiledPattern("^http\\.request\\.header\\.", path: ""), value: nil, fromAttribute: nil),
            ]))
        var b = try batch([[("secret", "1"), ("http.request.header.authorization", "Bearer x"), ("keep", "k")]])
        let outcome = p.process(&b)
        #expect(b.spans[0].attributes.count == 1 && value(b, span: 0, "keep") == "k")
        #expect(outcome["delete"] == 2)
    }

    @Test func hashIsSHA256Hex() throws {
        let p = AttributesProcessor(config: .init(actions: [Step(action: .hash, key: "user.email", pattern: nil, value: nil, fromAttribute: nil)]))
        var b = try batch([[("user.email", "ann@example.com")]])
        _ = p.process(&b)
        // `printf ann@example.com | sha256sum`
        #expect(value(b, span: 0, "user.email") == "71d4f55f72fa128dfb468a1a3901507c804b74316488744d769d7f4b16696476")
    }
}
