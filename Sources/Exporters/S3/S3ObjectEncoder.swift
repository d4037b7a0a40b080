import CollectorCore
import ExporterHelper
import GenAIMapping
import OTLP

/// A batch as object content, cut by hour partition.
/// - `langfuse`: one ingestion event per line; each record is filed under its own time (trace
///   timestamp, observation start).
/// - `otlp_json`: one `ExportTraceServiceRequest` per line; `otlp_proto`: the requests' encodings
///   back to back, which protobuf reads as one request holding all their spans. An OTLP request is
///   kept whole, under the hour of its earliest span.
/// A time of zero, or `partition_by: upload_time`, files under the upload hour.
public struct S3ObjectEncoder: Sendable {
    let config: S3Exporter.Config

    public init(config: S3Exporter.Config) { self.config = config }

    public func chunks(_ item: ExportItem, nowNanos: UInt64) -> [(hour: Int64, bytes: [UInt8])] {
        let nowHour = S3ObjectKey.hour(unixNanos: nowNanos)
        func hour(_ nanos: UInt64) -> Int64 { config.partitionBySpanTime && nanos > 0 ? S3ObjectKey.hour(unixNanos: nanos) : nowHour }
        var out: [Int64: [UInt8]] = [:]
        if config.format == .langfuse {
            for records in item.records ?? [] {
                var byHour: [Int64: LangfuseRecords] = [:]
                for t in records.traces { byHour[hour(t.timestampUnixNano), default: LangfuseRecords(batch: records.batch)].traces.append(t) }
                for o in records.observations { byHour[hour(o.startTimeUnixNano), default: LangfuseRecords(batch: records.batch)].observations.append(o) }
                for sc in records.scores { byHour[hour(sc.timestampUnixNano), default: LangfuseRecords(batch: records.batch)].scores.append(sc) }
                for (h, r) in byHour { out[h, default: []] += IngestionBatchEncoder().encodeLines(r) }
            }
        } else {
            for part in item.parts where !part.spans.isEmpty {
                let earliest = part.spans.lazy.map(\.startTimeUnixNano).filter { $0 > 0 }.min() ?? 0
                if config.format == .otlpJSON {
                    out[hour(earliest), default: []] += OTLPJSONEncoder().encode(part) + [0x0A]
                } else {
                    out[hour(earliest), default: []] += OTLPProtobufEncoder().encode(part)
                }
            }
        }
        return out.sorted { $0.key < $1.key }.map { (hour: $0.key, bytes: $0.value) }
    }
}
