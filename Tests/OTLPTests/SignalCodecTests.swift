import CollectorCore
import Foundation
import OTLP
import OTLPProto
import OTLPSamples
import SwiftProtobuf
import Testing

/// Logs and metrics against swift-protobuf's generated code: what we decode and encode again is
/// the same message, compared as swift-protobuf's own serialization (byte for byte, NaN-safe).
@Suite(.timeLimit(.minutes(5)))
struct SignalCodecTests {
    static func same<M: SwiftProtobuf.Message>(_ a: M, _ b: M) throws -> Bool {
        let x: [UInt8] = try a.serializedBytes()
        let y: [UInt8] = try b.serializedBytes()
        return x == y
    }

    typealias KV = Opentelemetry_Proto_Common_V1_KeyValue
    typealias Value = Opentelemetry_Proto_Common_V1_AnyValue

    /// Our model does not keep whether a `KeyValue` had its `value` field (it is written always, empty
    /// when absent, as for spans), so the reference is compared with every value present.
    static func present(_ list: [KV]) -> [KV] {
        list.map { kv in
            var kv = kv
            kv.value = present(kv.value)
            return kv
        }
    }

    static func present(_ v: Value) -> Value {
        var v = v
        switch v.value {
        case .kvlistValue(let l)?: v.kvlistValue.values = present(l.values)
        case .arrayValue(let a)?: v.arrayValue.values = a.values.map(present)
        default: break
        }
        return v
    }

    static func present(_ r: LogsRequest) -> LogsRequest {
        var r = r
        for i in r.resourceLogs.indices {
            if r.resourceLogs[i].hasResource { r.resourceLogs[i].resource.attributes = present(r.resourceLogs[i].resource.attributes) }
            for j in r.resourceLogs[i].scopeLogs.indices {
                if r.resourceLogs[i].scopeLogs[j].hasScope {
                    r.resourceLogs[i].scopeLogs[j].scope.attributes = present(r.resourceLogs[i].scopeLogs[j].scope.attributes)
                }
                for k in r.resourceLogs[i].scopeLogs[j].logRecords.indices {
                    var rec = r.resourceLogs[i].scopeLogs[j].logRecords[k]
                    rec.attributes = present(rec.attributes)
                    if rec.hasBody { rec.body = present(rec.body) }
                    r.resourceLogs[i].scopeLogs[j].logRecords[k] = rec
                }
            }
        }
        return r
    }

    @Test func logsRoundTripThroughProtobufAndJSON() throws {
        var records = 0
        for seed in UInt64(1)...300 {
            let sent = SampleRequests.randomLogs(seed: seed)
            let bytes: [UInt8] = try sent.serializedBytes()
            let reference = Self.present(sent)
            let batch = try OTLPProtobufDecoder().decode(bytes, signal: .logs)
            #expect(batch.signal == .logs && batch.spans.isEmpty)
            let expected = reference.resourceLogs.reduce(0) { $0 + $1.scopeLogs.reduce(0) { $0 + $1.logRecords.count } }
            #expect(batch.itemCount == expected, "seed \(seed)")
            records += expected
            let back = try LogsRequest(serializedBytes: OTLPProtobufEncoder().encode(batch))
            #expect(try Self.same(back, reference), "protobuf, seed \(seed)")
            let json = OTLPJSONEncoder().encode(batch)
            let fromJSON = try OTLPJSONDecoder().decode(json, signal: .logs)
            let viaJSON = try LogsRequest(serializedBytes: OTLPProtobufEncoder().encode(fromJSON))
            #expect(try Self.same(viaJSON, reference), "JSON, seed \(seed)")
        }
        #expect(records > 500)
    }

    @Test func logRecordFieldsInOTLPJSON() throws {
        let json = """
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
             "scopeLogs":[{"scope":{"name":"opentelemetry.instrumentation.openai_v2"},"logRecords":[
              {"timeUnixNano":"1700000000000000000","observedTimeUnixNano":1700000000000000001,"severityNumber":"SEVERITY_NUMBER_INFO2",
               "severityText":"INFO","traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161718","eventName":"gen_ai.user.message",
               "body":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"hi"}}]}},
               "attributes":[{"key":"gen_ai.system","value":{"stringValue":"openai"}}],"flags":1}]}]}]}
            """
        let batch = try OTLPJSONDecoder().decode(Array(json.utf8), signal: .logs)
        #expect(batch.logRecords.count == 1)
        let r = try #require(batch.logRecords.first)
        #expect(r.timeUnixNano == 1_700_000_000_000_000_000 && r.observedTimeUnixNano == 1_700_000_000_000_000_001)
        #expect(r.severityNumber == 10 && batch.string(r.severityText) == "INFO" && r.flags == 1)
        #expect(r.traceID?.hex == "0102030405060708090a0b0c0d0e0f10" && r.spanID?.hex == "1112131415161718")
        #expect(batch.string(r.eventName) == "gen_ai.user.message")
        guard case .kvlist(let members)? = r.body else {
            Issue.record("body is not a map")
            return
        }
        #expect(batch.string(batch.nestedAttributes[Int(members.start)].key) == "content")
        #expect(batch.string(batch.attributes[Int(r.attributes.start)].key) == "gen_ai.system")
        // A traces body sent to the logs endpoint holds no records (its key is not this signal's).
        let traces = try OTLPJSONDecoder().decode(Array(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{}]}]}]}"#.utf8), signal: .logs)
        #expect(traces.itemCount == 0 && traces.resources.isEmpty)
    }

    @Test func metricsPassThroughCountedAndTranscoded() throws {
        var points = 0
        for seed in UInt64(1)...300 {
            let (reference, expected) = SampleRequests.randomMetrics(seed: seed)
            let bytes: [UInt8] = try reference.serializedBytes()
            let batch = try OTLPProtobufDecoder().decode(bytes, signal: .metrics)
            #expect(batch.metricPoints == expected, "seed \(seed)")
            #expect(batch.bytes == bytes && OTLPProtobufEncoder().encode(batch) == bytes)
            points += expected
            // protobuf → OTLP/JSON → protobuf is the same message.
            let json = OTLPJSONEncoder().encode(batch)
            let fromJSON = try OTLPJSONDecoder().decode(json, signal: .metrics)
            #expect(fromJSON.metricPoints == expected, "seed \(seed)")
            #expect(try Self.same(try MetricsRequest(serializedBytes: fromJSON.bytes), reference), "seed \(seed)")
        }
        #expect(points > 1000)
    }

    @Test func metricsJSONUsesOTLPSpellings() throws {
        var p = Opentelemetry_Proto_Metrics_V1_HistogramDataPoint()
        p.count = 3
        p.bucketCounts = [1, 2]
        var e = Opentelemetry_Proto_Metrics_V1_Exemplar()
        e.traceID = Data(repeating: 0xAB, count: 16)
        e.asInt = -4
        p.exemplars = [e]
        var m = Opentelemetry_Proto_Metrics_V1_Metric()
        m.name = "gen_ai.client.token.usage"
        m.histogram.dataPoints = [p]
        m.histogram.aggregationTemporality = .cumulative
        var req = MetricsRequest()
        req.resourceMetrics = [.init()]
        req.resourceMetrics[0].scopeMetrics = [.init()]
        req.resourceMetrics[0].scopeMetrics[0].metrics = [m]
        let batch = try OTLPProtobufDecoder().decode(try req.serializedBytes(), signal: .metrics)
        let text = String(decoding: OTLPJSONEncoder().encode(batch), as: UTF8.self)
        #expect(text.contains(#""traceId":"abababababababababababababababab""#))
        #expect(text.contains(#""count":"3""#) && text.contains(#""bucketCounts":["1","2"]"#) && text.contains(#""asInt":"-4""#))
        #expect(text.contains(#""aggregationTemporality":2"#))
        // Enum names are taken on input, as for the other signals.
        let named = text.replacingOccurrences(of: #""aggregationTemporality":2"#, with: #""aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE""#)
        let back = try OTLPJSONDecoder().decode(Array(named.utf8), signal: .metrics)
        #expect(try Self.same(try MetricsRequest(serializedBytes: back.bytes), req))
    }

    @Test func malformedMetricsAreRefused() throws {
        let (reference, _) = SampleRequests.randomMetrics(seed: 3)
        let bytes: [UInt8] = try reference.serializedBytes()
        #expect(throws: OTLPDecodingError.self) { try OTLPProtobufDecoder().decode(Array(bytes.dropLast(3)), signal: .metrics) }
        #expect(throws: OTLPDecodingError.self) {
            try OTLPJSONDecoder().decode(
                Array(#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":{"dataPoints":[{"asInt":"x"}]}}]}]}]}"#.utf8), signal: .metrics)
        }
    }
}
