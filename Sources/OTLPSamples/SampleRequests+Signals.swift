import Foundation
import OTLPProto

public typealias LogsRequest = Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceRequest
public typealias MetricsRequest = Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest

extension SampleRequests {
    /// Logs using every field, made from `random(seed:)`'s resources, scopes and values: each span
    /// becomes a record with its ids (or none), attributes and a body from its first attribute.
    public static func randomLogs(seed: UInt64) -> LogsRequest {
        var rng = SampleRNG(seed: seed &+ 7)
        func n(_ bound: Int) -> Int { Int(rng.next() % UInt64(bound)) }
        var req = LogsRequest()
        for rs in random(seed: seed).resourceSpans {
            var rl = Opentelemetry_Proto_Logs_V1_ResourceLogs()
            if rs.hasResource { rl.resource = rs.resource }
            rl.schemaURL = rs.schemaURL
            for ss in rs.scopeSpans {
                var sl = Opentelemetry_Proto_Logs_V1_ScopeLogs()
                if ss.hasScope { sl.scope = ss.scope }
                for s in ss.spans {
                    var r = Opentelemetry_Proto_Logs_V1_LogRecord()
                    if n(3) > 0 { r.traceID = s.traceID; r.spanID = s.spanID }
                    r.timeUnixNano = n(4) == 0 ? 0 : s.startTimeUnixNano
                    r.observedTimeUnixNano = s.endTimeUnixNano
                    r.severityNumber = Opentelemetry_Proto_Logs_V1_SeverityNumber(rawValue: n(25)) ?? .unspecified
                    r.severityText = n(2) == 0 ? "INFO" : ""
                    r.eventName = n(2) == 0 ? "gen_ai.user.message" : s.name
                    if let first = s.attributes.first, n(5) > 0 { r.body = first.value }
                    r.attributes = Array(s.attributes.dropFirst())
                    r.droppedAttributesCount = UInt32(n(2))
                    r.flags = UInt32(n(2))
                    sl.logRecords.append(r)
                }
                rl.scopeLogs.append(sl)
            }
            req.resourceLogs.append(rl)
        }
        return req
    }

    /// Metrics of every kind, with exemplars, packed repeated fields and attributes of every type.
    /// `points`: the data points it holds.
    public static func randomMetrics(seed: UInt64) -> (request: MetricsRequest, points: Int) {
        var rng = SampleRNG(seed: seed &+ 11)
        func n(_ bound: Int) -> Int { Int(rng.next() % UInt64(bound)) }
        let source = random(seed: seed)
        let attributes = source.resourceSpans.flatMap { $0.scopeSpans.flatMap { $0.spans.flatMap(\.attributes) } }
        func attrs() -> [KeyValue] { attributes.isEmpty ? [] : (0..<n(4)).map { _ in attributes[n(attributes.count)] } }
        func exemplars() -> [Opentelemetry_Proto_Metrics_V1_Exemplar] {
            (0..<n(3)).map { _ in
                var e = Opentelemetry_Proto_Metrics_V1_Exemplar()
                e.filteredAttributes = attrs()
                e.timeUnixNano = rng.next() >> 3
                if n(2) == 0 { e.asDouble = [0.5, -2, .nan, 1e300][n(4)] } else { e.asInt = Int64(bitPattern: rng.next()) >> n(64) }
                if n(2) == 0 {
                    e.traceID = Data((0..<16).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
                    e.spanID = Data((0..<8).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
                }
                return e
            }
        }
        var points = 0
        var req = MetricsRequest()
        for rs in source.resourceSpans {
            var rm = Opentelemetry_Proto_Metrics_V1_ResourceMetrics()
            if rs.hasResource { rm.resource = rs.resource }
            rm.schemaURL = rs.schemaURL
            for ss in rs.scopeSpans {
                var sm = Opentelemetry_Proto_Metrics_V1_ScopeMetrics()
                if ss.hasScope { sm.scope = ss.scope }
                for i in 0..<(1 + n(5)) {
                    var m = Opentelemetry_Proto_Metrics_V1_Metric()
                    m.name = "gen_ai.client.metric.\(i)"
                    m.unit = n(2) == 0 ? "s" : "{token}"
                    m.description_p = n(2) == 0 ? "" : "measured"
                    let count = n(4)
                    points += count
                    switch n(5) {
                    case 0:
                        m.gauge.dataPoints = (0..<count).map { _ in
                            var p = Opentelemetry_Proto_Metrics_V1_NumberDataPoint()
                            p.attributes = attrs()
                            p.timeUnixNano = rng.next() >> 2
                            if n(2) == 0 { p.asInt = Int64(bitPattern: rng.next()) >> 3 } else { p.asDouble = -0.25 }
                            p.exemplars = exemplars()
                            return p
                        }
                    case 1:
                        m.sum.dataPoints = (0..<count).map { _ in
                            var p = Opentelemetry_Proto_Metrics_V1_NumberDataPoint()
                            p.startTimeUnixNano = rng.next() >> 2
                            p.asDouble = Double(n(1000)) / 8
                            p.flags = UInt32(n(2))
                            return p
                        }
                        m.sum.aggregationTemporality = .cumulative
                        m.sum.isMonotonic = n(2) == 0
                    case 2:
                        m.histogram.dataPoints = (0..<count).map { _ in
                            var p = Opentelemetry_Proto_Metrics_V1_HistogramDataPoint()
                            p.attributes = attrs()
                            p.count = UInt64(n(100))
                            if n(2) == 0 { p.sum = 12.5 }
                            p.bucketCounts = (0..<n(5)).map { _ in rng.next() >> 40 }
                            p.explicitBounds = (0..<n(4)).map { Double($0) * 0.5 }
                            if n(2) == 0 { p.min = 0.01; p.max = 300 }
                            p.exemplars = exemplars()
                            return p
                        }
                        m.histogram.aggregationTemporality = .delta
                    case 3:
                        m.exponentialHistogram.dataPoints = (0..<count).map { _ in
                            var p = Opentelemetry_Proto_Metrics_V1_ExponentialHistogramDataPoint()
                            p.scale = Int32(n(20)) - 10
                            p.zeroCount = UInt64(n(3))
                            p.positive.offset = Int32(n(9)) - 4
                            p.positive.bucketCounts = (0..<n(4)).map { _ in rng.next() >> 20 }
                            p.negative.bucketCounts = [1, 2]
                            p.zeroThreshold = 1e-9
                            return p
                        }
                    default:
                        m.summary.dataPoints = (0..<count).map { _ in
                            var p = Opentelemetry_Proto_Metrics_V1_SummaryDataPoint()
                            p.count = 3
                            p.sum = 1.5
                            p.quantileValues = [0.5, 0.99].map { q in
                                var v = Opentelemetry_Proto_Metrics_V1_SummaryDataPoint.ValueAtQuantile()
                                v.quantile = q
                                v.value = q * 10
                                return v
                            }
                            return p
                        }
                    }
                    if n(4) == 0 { m.metadata = attrs() }
                    sm.metrics.append(m)
                }
                rm.scopeMetrics.append(sm)
            }
            req.resourceMetrics.append(rm)
        }
        return (req, points)
    }
}
