import Foundation
import SwiftProtobuf
import OTLPProto

public typealias ExportRequest = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest
typealias AnyValue = Opentelemetry_Proto_Common_V1_AnyValue
typealias KeyValue = Opentelemetry_Proto_Common_V1_KeyValue

/// Deterministic generator (SplitMix64), so a failing seed can be replayed.
public struct SampleRNG: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

public enum SampleRequests {
    static func kv(_ key: String, _ value: AnyValue.OneOf_Value) -> KeyValue {
        var k = KeyValue()
        k.key = key
        k.value.value = value
        return k
    }

    /// A request of LLM-call spans as GenAI instrumentations emit them: 20 attributes each,
    /// including a 1-2 KB prompt, about 1.5-3 KB per span.
    public static func llmShaped(spans count: Int, seed: UInt64 = 1) -> ExportRequest {
        var rng = SampleRNG(seed: seed)
        let words = ["the", "capital", "of", "france", "is", "paris", "weather", "tool", "answer", "user", "asks", "model"]
        func text(_ n: Int) -> String {
            var s = ""
            while s.utf8.count < n { s += words[Int(rng.next() % UInt64(words.count))] + " " }
            return s
        }
        var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
        scope.scope.name = "opentelemetry.instrumentation.openai"
        scope.scope.version = "0.40.0"
        for i in 0..<count {
            var span = Opentelemetry_Proto_Trace_V1_Span()
            span.traceID = Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) })
            span.spanID = Data((0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) })
            if i % 4 != 0 { span.parentSpanID = Data((0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
            span.name = "chat gpt-4o-mini"
            span.kind = .client
            span.startTimeUnixNano = 1_764_400_000_000_000_000 + UInt64(i) * 1_000_000
            span.endTimeUnixNano = span.startTimeUnixNano + 850_000_000
            let prompt = "[{\"role\":\"system\",\"content\":\"You are helpful.\"},{\"role\":\"user\",\"content\":\"\(text(1000 + Int(rng.next() % 1000)))\"}]"
            span.attributes = [
                kv("gen_ai.operation.name", .stringValue("chat")),
                kv("gen_ai.provider.name", .stringValue("openai")),
                kv("gen_ai.request.model", .stringValue("gpt-4o-mini")),
                kv("gen_ai.response.model", .stringValue("gpt-4o-mini-2024-07-18")),
                kv("gen_ai.request.temperature", .doubleValue(0.2)),
                kv("gen_ai.request.max_tokens", .intValue(512)),
                kv("gen_ai.response.id", .stringValue("chatcmpl-\(rng.next())")),
                kv("gen_ai.response.finish_reasons", .arrayValue(.with { $0.values = [.with { $0.stringValue = "stop" }] })),
                kv("gen_ai.usage.input_tokens", .intValue(Int64(400 + rng.next() % 400))),
                kv("gen_ai.usage.output_tokens", .intValue(Int64(50 + rng.next() % 200))),
                kv("gen_ai.usage.cache_read.input_tokens", .intValue(128)),
                kv("gen_ai.conversation.id", .stringValue("conv-\(i % 50)")),
                kv("user.id", .stringValue("user-\(i % 100)")),
                kv("server.address", .stringValue("api.openai.com")),
                kv("server.port", .intValue(443)),
                kv("gen_ai.input.messages", .stringValue(prompt)),
                kv("gen_ai.output.messages", .stringValue("[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"\(text(120))\"}]}]")),
                kv("gen_ai.is_streaming", .boolValue(false)),
                kv("http.status_code", .intValue(200)),
                kv("deployment.environment.name", .stringValue("production")),
            ]
            span.status.code = .ok
            scope.spans.append(span)
        }
        var rs = Opentelemetry_Proto_Trace_V1_ResourceSpans()
        rs.resource.attributes = [kv("service.name", .stringValue("chat-api")), kv("telemetry.sdk.language", .stringValue("python"))]
        rs.scopeSpans = [scope]
        var req = ExportRequest()
        req.resourceSpans = [rs]
        return req
    }

    /// A random request using every field and value type, for differential tests.
    public static func random(seed: UInt64) -> ExportRequest {
        var rng = SampleRNG(seed: seed)
        func n(_ bound: Int) -> Int { Int(rng.next() % UInt64(bound)) }
        func str() -> String {
            let pool = ["", "a", "gen_ai.prompt.0.content", "héllo wörld", "日本語", "emoji 🎉", "\"quoted\"\n\\", "x"]
            return pool[n(pool.count)] + (n(3) == 0 ? String(rng.next()) : "")
        }
        func bytes(_ count: Int) -> Data { Data((0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }) }
        func value(_ depth: Int) -> AnyValue {
            var v = AnyValue()
            switch n(depth > 2 ? 6 : 8) {
            case 0: v.stringValue = str()
            case 1: v.boolValue = n(2) == 0
            case 2: v.intValue = Int64(bitPattern: rng.next()) >> n(64)
            case 3: v.doubleValue = [0.0, -1.5, 3.25e10, .infinity, -0.0][n(5)]
            case 4: v.bytesValue = bytes(n(5))
            case 5: break  // empty value
            case 6: v.arrayValue.values = (0..<n(4)).map { _ in value(depth + 1) }
            default: v.kvlistValue.values = (0..<n(4)).map { _ in kv(str(), value(depth + 1)) }
            }
            return v
        }
        func kv(_ key: String, _ v: AnyValue) -> KeyValue {
            var k = KeyValue()
            k.key = key
            if n(10) > 0 { k.value = v }
            return k
        }
        func attrs() -> [KeyValue] { (0..<n(5)).map { _ in kv(str(), value(0)) } }
        var req = ExportRequest()
        for _ in 0..<(1 + n(3)) {
            var rs = Opentelemetry_Proto_Trace_V1_ResourceSpans()
            if n(4) > 0 { rs.resource.attributes = attrs(); rs.resource.droppedAttributesCount = UInt32(n(3)) }
            if n(3) == 0 { rs.schemaURL = "https://opentelemetry.io/schemas/1.30.0" }
            for _ in 0..<n(3) {
                var ss = Opentelemetry_Proto_Trace_V1_ScopeSpans()
                if n(4) > 0 { ss.scope.name = str(); ss.scope.version = str(); ss.scope.attributes = attrs() }
                for _ in 0..<n(4) {
                    var s = Opentelemetry_Proto_Trace_V1_Span()
                    s.traceID = bytes(16)
                    s.spanID = bytes(8)
                    if n(2) == 0 { s.parentSpanID = bytes(8) }
                    s.traceState = n(3) == 0 ? "k=v" : ""
                    s.name = str()
                    s.kind = Opentelemetry_Proto_Trace_V1_Span.SpanKind(rawValue: n(6)) ?? .unspecified
                    s.startTimeUnixNano = rng.next() >> 2
                    s.endTimeUnixNano = rng.next() >> 2
                    s.attributes = attrs()
                    s.droppedAttributesCount = UInt32(n(2))
                    s.flags = UInt32(n(3)) << 8
                    for _ in 0..<n(3) {
                        var e = Opentelemetry_Proto_Trace_V1_Span.Event()
                        e.name = str()
                        e.timeUnixNano = rng.next() >> 3
                        e.attributes = attrs()
                        s.events.append(e)
                    }
                    for _ in 0..<n(2) {
                        var l = Opentelemetry_Proto_Trace_V1_Span.Link()
                        l.traceID = bytes(16)
                        l.spanID = bytes(8)
                        l.attributes = attrs()
                        l.flags = UInt32(n(2)) << 8
                        s.links.append(l)
                    }
                    if n(2) == 0 {
                        s.status.code = Opentelemetry_Proto_Trace_V1_Status.StatusCode(rawValue: n(3)) ?? .unset
                        s.status.message = str()
                    }
                    ss.spans.append(s)
                }
                rs.scopeSpans.append(ss)
            }
            req.resourceSpans.append(rs)
        }
        return req
    }
}
