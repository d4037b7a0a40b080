import CollectorCore
import Logging
import NIOHTTP1
import OTLP
import Receivers
import Synchronization
import Testing

/// Keeps the last batch it was handed.
final class KeepingConsumer: TraceConsumer {
    let last = Mutex<TraceBatch?>(nil)
    func consume(_ batch: TraceBatch, bodyBytes: Int, reserved: Int) async -> ConsumeOutcome {
        last.withLock { $0 = batch }
        return .accepted
    }
}

/// The receivers' per-span budget: the first `max_attributes` of every span, event, link, resource
/// and scope are kept; the rest are dropped, added to the owner's dropped count, and counted.
@Suite(.timeLimit(.minutes(5)))
struct AttributeLimitTests {
    static func request(spanAttributes: Int, eventAttributes: Int, resourceAttributes: Int) -> [UInt8] {
        func attrs(_ n: Int, _ prefix: String) -> String {
            (0..<n).map { #"{"key":"\#(prefix)\#($0)","value":{"intValue":"\#($0)"}}"# }.joined(separator: ",")
        }
        let body = """
            {"resourceSpans":[{"resource":{"attributes":[\(attrs(resourceAttributes, "r"))]},"scopeSpans":[{"spans":[
             {"traceId":"0123456789abcdef0123456789abcdef","spanId":"0123456789abcdef","droppedAttributesCount":3,
              "attributes":[\(attrs(spanAttributes, "s"))],"events":[{"name":"e","attributes":[\(attrs(eventAttributes, "e"))]}]}]}]}]}
            """
        return OTLPProtobufEncoder().encode(try! OTLPJSONDecoder().decode(Array(body.utf8)))
    }

    static func config(_ limits: String) throws -> OTLPReceiver.Config {
        var entries = [ConfigEntry("protocols", .mapping([ConfigEntry("http", .null)]))]
        if !limits.isEmpty {
            entries.append(ConfigEntry("limits", .mapping([ConfigEntry("max_attributes", .scalar(limits, quoted: false))])))
        }
        var m = try ConfigMap(.mapping(entries), path: "receivers.otlp")
        let c = try OTLPReceiver.Config(&m)
        try m.finish()
        return c
    }

    @Test func theFirstAttributesAreKeptAndTheRestCounted() async throws {
        let consumer = KeepingConsumer()
        let counters = Counters()
        let r = OTLPHTTPReceiver(id: "otlp", config: try Self.config("").http!, consumer: consumer, counters: counters, logger: Logger(label: "t"))
        let body = Self.request(spanAttributes: 1500, eventAttributes: 1100, resourceAttributes: 1030)
        let answer = await r.handle(
            HTTPRequest(method: .POST, path: "/v1/traces", headers: HTTPHeaders([("Content-Type", "application/x-protobuf")]), body: body))
        #expect(answer.status == .ok)
        let batch = try #require(consumer.last.withLock { $0 })
        #expect(batch.spans[0].attributes.count == 1024)
        #expect(batch.spans[0].droppedAttributesCount == 3 + 476)
        #expect(batch.string(batch.attributes[Int(batch.spans[0].attributes.start) + 1023].key) == "s1023")
        #expect(batch.events[0].attributes.count == 1024 && batch.events[0].droppedAttributesCount == 76)
        #expect(batch.resources[0].attributes.count == 1024 && batch.resources[0].droppedAttributesCount == 6)
        #expect(counters.value(.droppedAttributes, ["receiver": "otlp", "reason": "attribute_limit"]) == 476 + 76 + 6)
        // Re-encoded, the span says how many it lost, as an SDK's own limit would.
        let back = try OTLPProtobufDecoder().decode(OTLPProtobufEncoder().encode(batch))
        #expect(back.spans[0].droppedAttributesCount == 479 && back.spans[0].attributes.count == 1024)
    }

    @Test func aConfiguredLimitApplies() async throws {
        let consumer = KeepingConsumer()
        let counters = Counters()
        let config = try Self.config("10")
        #expect(config.grpc == nil && config.http?.limits.maxAttributes == 10)
        let r = OTLPHTTPReceiver(id: "otlp", config: config.http!, consumer: consumer, counters: counters, logger: Logger(label: "t"))
        let body = Self.request(spanAttributes: 12, eventAttributes: 3, resourceAttributes: 1)
        _ = await r.handle(HTTPRequest(method: .POST, path: "/v1/traces", headers: HTTPHeaders([("Content-Type", "application/x-protobuf")]), body: body))
        #expect(consumer.last.withLock { $0 }?.spans[0].attributes.count == 10)
        #expect(counters.value(.droppedAttributes, ["receiver": "otlp", "reason": "attribute_limit"]) == 2)
    }

    @Test(arguments: ["0", "70000", "many"])
    func badLimitsAreConfigErrors(_ value: String) throws {
        #expect(throws: ConfigError.self) { try Self.config(value) }
    }
}
