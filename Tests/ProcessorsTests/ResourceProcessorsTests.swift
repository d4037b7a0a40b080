import CollectorCore
import OTLP
import Processors
import Testing

func resourceValue(_ b: TraceBatch, _ key: String) -> String? {
    b.attributeIndex(in: b.resources[0].attributes, key: key).map { b.stringified(b.attributes[$0].value) }
}

/// `resourcedetection` (the env detector, as the OpenTelemetry Operator's injected
/// `OTEL_RESOURCE_ATTRIBUTES` feeds it) and `resource` (insert, update, upsert, delete, hash on
/// resource attributes), as the OpenTelemetry Collector's processors of those names.
@Suite(.timeLimit(.minutes(5)))
struct ResourceProcessorsTests {
    static let operatorEnv = [
        "OTEL_RESOURCE_ATTRIBUTES": "k8s.pod.name=chat-7d9f,k8s.namespace.name=payments, k8s.node.name=10.0.10.5,service.name=from-env,note=a%2Cb%3Dc%20d"
    ]

    func detection(_ entries: [ConfigEntry], _ env: [String: String] = operatorEnv) throws -> ResourceDetectionProcessor {
        let c = try decodeConfig(entries, path: "processors.resourcedetection") { (m) throws(ConfigError) in try ResourceDetectionProcessor.Config(&m) }
        return try ResourceDetectionProcessor(config: c, environment: env)
    }

    @Test func theEnvDetectorAddsThePodNamespaceAndNode() throws {
        var b = try batch([[("a", "1")], [("b", "2")]], resource: [("service.name", "chat")], events: true)
        let p = try detection([ConfigEntry("detectors", .sequence([plain("env")]))])
        let outcome = p.process(&b)
        #expect(resourceValue(b, "k8s.pod.name") == "chat-7d9f" && resourceValue(b, "k8s.namespace.name") == "payments")
        #expect(resourceValue(b, "k8s.node.name") == "10.0.10.5" && resourceValue(b, "note") == "a,b=c d")
        #expect(resourceValue(b, "service.name") == "from-env", "override is the default")
        #expect(outcome["detected"] == 5)
        // Span attributes are untouched.
        #expect(value(b, span: 0, "a") == "1" && value(b, span: 1, "b") == "2" && value(b, span: 0, "k8s.pod.name") == nil)
        // Encoded and read back: the resource carries them on the wire.
        let again = try OTLPProtobufDecoder().decode(OTLPProtobufEncoder().encode(b))
        #expect(resourceValue(again, "k8s.pod.name") == "chat-7d9f")
    }

    @Test func withoutOverrideTheResourceKeepsItsOwn() throws {
        var b = try batch([[("a", "1")]], resource: [("service.name", "chat")])
        let p = try detection([ConfigEntry("detectors", .sequence([plain("env")])), ConfigEntry("override", plain("false"))])
        _ = p.process(&b)
        #expect(resourceValue(b, "service.name") == "chat" && resourceValue(b, "k8s.pod.name") == "chat-7d9f")
    }

    @Test func mistakesAreErrors() throws {
        expectRefused("processors.resourcedetection.detectors[0]: the 'gcp' detector is not implemented (known: env)") {
            _ = try detection([ConfigEntry("detectors", .sequence([plain("gcp")]))])
        }
        expectRefused("processors.resourcedetection.detectors: give at least one detector") { _ = try detection([]) }
        expectRefused("OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name' is not key=value") {
            _ = try detection([ConfigEntry("detectors", .sequence([plain("env")]))], ["OTEL_RESOURCE_ATTRIBUTES": "k8s.pod.name"])
        }
        expectRefused("OTEL_RESOURCE_ATTRIBUTES: the value of a is not valid percent-encoding") {
            _ = try detection([ConfigEntry("detectors", .sequence([plain("env")]))], ["OTEL_RESOURCE_ATTRIBUTES": "a=%zz"])
        }
        // Unset: nothing detected, nothing changed.
        var b = try batch([[("a", "1")]], resource: [("service.name", "chat")])
        let before = b
        #expect(try detection([ConfigEntry("detectors", .sequence([plain("env")]))], [:]).process(&b).counts.isEmpty && b == before)
    }

    @Test func theResourceProcessorActsOnResourceAttributes() throws {
        var b = try batch(
            [[("deployment.environment", "span-level")], [("x", "y")]],
            resource: [("deployment.environment", "staging"), ("host.name", "ip-10-0-0-1"), ("secret.token", "t")], events: true)
        let c = try decodeConfig(
            [
                ConfigEntry(
                    "actions",
                    .sequence([
                        .mapping([ConfigEntry("key", plain("cluster")), ConfigEntry("action", plain("insert")), ConfigEntry("value", plain("oke-prod"))]),
                        .mapping([
                            ConfigEntry("key", plain("deployment.environment")), ConfigEntry("action", plain("update")),
                            ConfigEntry("value", plain("production")),
                        ]),
                        .mapping([
                            ConfigEntry("key", plain("host.id")), ConfigEntry("action", plain("upsert")), ConfigEntry("from_attribute", plain("host.name")),
                        ]),
                        .mapping([ConfigEntry("pattern", plain("^secret\\.")), ConfigEntry("action", plain("delete"))]),
                        .mapping([ConfigEntry("key", plain("host.name")), ConfigEntry("action", plain("hash"))]),
                    ]))
            ], path: "processors.resource"
        ) { (m) throws(ConfigError) in try AttributesProcessor.Config(&m) }
        let outcome = AttributesProcessor(config: c, target: .resources).process(&b)
        #expect(resourceValue(b, "cluster") == "oke-prod" && resourceValue(b, "deployment.environment") == "production")
        #expect(resourceValue(b, "host.id") == "ip-10-0-0-1" && resourceValue(b, "secret.token") == nil)
        #expect(resourceValue(b, "host.name")?.count == 64)
        #expect(outcome["insert"] == 1 && outcome["update"] == 1 && outcome["upsert"] == 1 && outcome["delete"] == 1 && outcome["hash"] == 1)
        // Spans keep their own attributes, events their own.
        #expect(value(b, span: 0, "deployment.environment") == "span-level" && value(b, span: 1, "x") == "y" && value(b, span: 0, "cluster") == nil)
        #expect(b.attributeIndex(in: b.events[0].attributes, key: "ek") != nil)
    }
}
