import CMallocStats
import CollectorCore
import Foundation
import OTLP
import OTLPProto
import OTLPSamples
import Processors
import SwiftProtobuf

/// `--log-join`: what the log join costs. LLM-shaped requests of 100 model spans from a
/// content-logging scope (without their content, which is in the records), and for each span three GenAI event records (system and user
/// message, choice; a few hundred bytes of content each) in logs requests of their own. Memory is
/// the allocator's bytes in use while spans wait for records, and while records wait for spans,
/// beside the same requests merely decoded and held. Times are per span, beside decoding; and the
/// cost on spans of other scopes, which only pass through.
enum LogJoinBench {
    typealias LogRecordProto = Opentelemetry_Proto_Logs_V1_LogRecord

    static func run(spans total: Int) throws {
        let perRequest = 100
        let requests = max(1, total / perRequest)
        var traceBodies: [[UInt8]] = []
        var otherBodies: [[UInt8]] = []
        var logBodies: [[UInt8]] = []
        for r in 0..<requests {
            // Other traffic: the same shape, other ids, from a scope that does not log its content.
            otherBodies.append(Array(try SampleRequests.llmShaped(spans: perRequest, seed: UInt64(r + 1_000_001)).serializedData()))
            var req = SampleRequests.llmShaped(spans: perRequest, seed: UInt64(r + 1))
            // As a content-logging instrumentation sends them: the content is in the records, not on the span.
            req.resourceSpans[0].scopeSpans[0].scope.name = "opentelemetry.instrumentation.openai_v2"
            for i in req.resourceSpans[0].scopeSpans[0].spans.indices {
                req.resourceSpans[0].scopeSpans[0].spans[i].attributes.removeAll { $0.key == "gen_ai.input.messages" || $0.key == "gen_ai.output.messages" }
            }
            traceBodies.append(Array(try req.serializedData()))
            var logs = LogsRequest()
            var scope = Opentelemetry_Proto_Logs_V1_ScopeLogs()
            scope.scope.name = "opentelemetry.instrumentation.openai_v2"
            for span in req.resourceSpans[0].scopeSpans[0].spans {
                for (i, name) in ["gen_ai.system.message", "gen_ai.user.message", "gen_ai.choice"].enumerated() {
                    var rec = LogRecordProto()
                    rec.traceID = span.traceID
                    rec.spanID = span.spanID
                    rec.timeUnixNano = span.startTimeUnixNano + UInt64(i)
                    rec.eventName = name
                    var content = Opentelemetry_Proto_Common_V1_KeyValue()
                    content.key = "content"
                    content.value.stringValue = String(repeating: "The weather in Paris, in some detail. ", count: 8 + i)
                    rec.body.kvlistValue.values = [content]
                    var system = Opentelemetry_Proto_Common_V1_KeyValue()
                    system.key = "gen_ai.system"
                    system.value.stringValue = "openai"
                    rec.attributes = [system]
                    scope.logRecords.append(rec)
                }
            }
            logs.resourceLogs = [.init()]
            logs.resourceLogs[0].scopeLogs = [scope]
            logBodies.append(Array(try logs.serializedData()))
        }
        let spans = requests * perRequest
        print(
            "log_join: \(spans) model spans in \(requests) requests, \(spans * 3) records; \(traceBodies.reduce(0) { $0 + $1.count } / spans) wire bytes per span, \(logBodies.reduce(0) { $0 + $1.count } / spans) per span's records"
        )
        func decodeAll(_ bodies: [[UInt8]], _ signal: Signal) throws -> [TraceBatch] {
            try bodies.map { try OTLPProtobufDecoder().decode(GroupByTraceBench.fresh($0), signal: signal) }
        }

        // Spans waiting: the decoded requests held plainly, then held by the join.
        var start = cmallocstats_in_use()
        var clock = ContinuousClock.now
        let plain = try decodeAll(traceBodies, .traces)
        let decodeSeconds = GroupByTraceBench.seconds(since: clock)
        let plainSpanBytes = withExtendedLifetime(plain) { cmallocstats_in_use() - start }
        var join = JoinBuffer(config: LogJoin.Config(maxSpans: .max, maxRecords: .max, maxBytes: .max))
        start = cmallocstats_in_use()
        var decoded = try decodeAll(traceBodies, .traces)
        clock = ContinuousClock.now
        for (i, b) in decoded.enumerated() { _ = join.add(b, cost: 1, token: i, now: .zero) }
        let addSeconds = GroupByTraceBench.seconds(since: clock)
        decoded = []
        let heldSpanBytes = cmallocstats_in_use() - start
        let countedSpanBytes = join.bytes
        let waiting = join.waitingSpans
        // The records come: each request goes once its spans have their choices.
        let logs = try decodeAll(logBodies, .logs)
        clock = ContinuousClock.now
        var released = 0
        for l in logs { released += join.offer(l, now: .zero).count }
        let offerSeconds = GroupByTraceBench.seconds(since: clock)
        guard waiting == spans, released == requests, join.recordOutcomes[.joined] == spans * 3 else {
            print("log_join: not every span was joined (\(waiting) waited, \(released) of \(requests) requests released)")
            return
        }

        // Records waiting: the decoded logs requests held plainly, then the records held by the join.
        start = cmallocstats_in_use()
        let plainLogs = try decodeAll(logBodies, .logs)
        let plainRecordBytes = withExtendedLifetime(plainLogs) { cmallocstats_in_use() - start }
        var early = JoinBuffer(config: LogJoin.Config(maxSpans: .max, maxRecords: .max, maxBytes: .max))
        start = cmallocstats_in_use()
        clock = ContinuousClock.now
        for b in logBodies { _ = early.offer(try OTLPProtobufDecoder().decode(GroupByTraceBench.fresh(b), signal: .logs), now: .zero) }
        let offerEarlySeconds = GroupByTraceBench.seconds(since: clock)
        let heldRecordBytes = cmallocstats_in_use() - start
        let counted = early.bytes
        // Spans of other scopes only pass: the cost on ordinary traffic.
        let others = try decodeAll(otherBodies, .traces)
        clock = ContinuousClock.now
        var passed = 0
        for (i, b) in others.enumerated() { passed += early.add(b, cost: 1, token: i, now: .zero).count }
        let passSeconds = GroupByTraceBench.seconds(since: clock)
        guard passed == requests else { return }

        func per(_ bytes: Int, _ n: Int) -> String { String(format: "%6.0f", Double(bytes) / Double(n)) }
        func ns(_ s: Double) -> String { String(format: "%6.0f", s / Double(spans) * 1e9) }
        func ratio(_ a: Double, _ b: Double) -> String { String(format: "%.3f", a / b) }
        print(
            "bytes per waiting span:  decoded requests \(per(plainSpanBytes, spans))   in the join \(per(heldSpanBytes, spans))   (join / plain \(ratio(Double(heldSpanBytes), Double(plainSpanBytes)))); counted against max_size_mib \(per(countedSpanBytes, spans)) (counted / held \(ratio(Double(countedSpanBytes), Double(heldSpanBytes))))"
        )
        print(
            "bytes per waiting record:  decoded logs requests \(per(plainRecordBytes, spans * 3))   in the join \(per(heldRecordBytes, spans * 3))   (join / plain \(ratio(Double(heldRecordBytes), Double(plainRecordBytes)))); counted against max_size_mib \(per(counted, spans * 3)) (counted / held \(ratio(Double(counted), Double(heldRecordBytes))))"
        )
        print(
            "ns per span:  decode \(ns(decodeSeconds))   spans wait \(ns(addSeconds))   their 3 records come \(ns(offerSeconds))   records wait (decode included) \(ns(offerEarlySeconds))   other scopes pass \(ns(passSeconds))   (wait+join / decode \(ratio(addSeconds + offerSeconds, decodeSeconds)); pass / decode \(ratio(passSeconds, decodeSeconds)))"
        )
    }
}
