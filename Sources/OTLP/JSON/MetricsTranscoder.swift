import CollectorCore

/// Metrics are passed through, not decoded into tables: this converts an `ExportMetricsServiceRequest`
/// between protobuf and OTLP/JSON by a table of its messages, for JSON clients (their body becomes
/// protobuf bytes at the receiver) and for the file and debug exporters (protobuf written as JSON).
/// Unknown JSON keys are ignored and unknown protobuf fields left out, as the OTLP JSON mapping does.
enum MetricsTranscoder {
    indirect enum Kind {
        case string, bytes, hexID, bool, uint32, int32, sint32, uint64, int64, fixed64, sfixed64, double
        case message(String)
    }

    struct Field {
        let number: Int
        let name: String
        let kind: Kind
        var repeated = false
        /// Each element is a data point (counted).
        var points = false
    }

    static func f(_ n: Int, _ name: String, _ kind: Kind, repeated: Bool = false, points: Bool = false) -> Field {
        Field(number: n, name: name, kind: kind, repeated: repeated, points: points)
    }

    /// The messages by name, fields in output order; numbers and names per the OTLP specification.
    static let messages: [String: [Field]] = {
        let kv: Kind = .message("KeyValue")
        let exemplars = f(0, "exemplars", .message("Exemplar"), repeated: true)
        func ex(_ n: Int) -> Field { f(n, exemplars.name, exemplars.kind, repeated: true) }
        return [
            "Request": [f(1, "resourceMetrics", .message("ResourceMetrics"), repeated: true)],
            "ResourceMetrics": [
                f(1, "resource", .message("Resource")), f(2, "scopeMetrics", .message("ScopeMetrics"), repeated: true), f(3, "schemaUrl", .string),
            ],
            "Resource": [f(1, "attributes", kv, repeated: true), f(2, "droppedAttributesCount", .uint32)],
            "ScopeMetrics": [f(1, "scope", .message("Scope")), f(2, "metrics", .message("Metric"), repeated: true), f(3, "schemaUrl", .string)],
            "Scope": [f(1, "name", .string), f(2, "version", .string), f(3, "attributes", kv, repeated: true), f(4, "droppedAttributesCount", .uint32)],
            "Metric": [
                f(1, "name", .string), f(2, "description", .string), f(3, "unit", .string), f(5, "gauge", .message("Gauge")),
                f(7, "sum", .message("Sum")), f(9, "histogram", .message("Histogram")),
                f(10, "exponentialHistogram", .message("ExponentialHistogram")), f(11, "summary", .message("Summary")),
                f(12, "metadata", kv, repeated: true),
            ],
            "Gauge": [f(1, "dataPoints", .message("NumberDataPoint"), repeated: true, points: true)],
            "Sum": [
                f(1, "dataPoints", .message("NumberDataPoint"), repeated: true, points: true), f(2, "aggregationTemporality", .int32),
                f(3, "isMonotonic", .bool),
            ],
            "Histogram": [f(1, "dataPoints", .message("HistogramDataPoint"), repeated: true, points: true), f(2, "aggregationTemporality", .int32)],
            "ExponentialHistogram": [
                f(1, "dataPoints", .message("ExponentialHistogramDataPoint"), repeated: true, points: true), f(2, "aggregationTemporality", .int32),
            ],
            "Summary": [f(1, "dataPoints", .message("SummaryDataPoint"), repeated: true, points: true)],
            "NumberDataPoint": [
                f(7, "attributes", kv, repeated: true), f(2, "startTimeUnixNano", .fixed64), f(3, "timeUnixNano", .fixed64),
                f(4, "asDouble", .double), f(6, "asInt", .sfixed64), ex(5), f(8, "flags", .uint32),
            ],
            "HistogramDataPoint": [
                f(9, "attributes", kv, repeated: true), f(2, "startTimeUnixNano", .fixed64), f(3, "timeUnixNano", .fixed64),
                f(4, "count", .fixed64), f(5, "sum", .double), f(6, "bucketCounts", .fixed64, repeated: true),
                f(7, "explicitBounds", .double, repeated: true), ex(8), f(10, "flags", .uint32), f(11, "min", .double), f(12, "max", .double),
            ],
            "ExponentialHistogramDataPoint": [
                f(1, "attributes", kv, repeated: true), f(2, "startTimeUnixNano", .fixed64), f(3, "timeUnixNano", .fixed64),
                f(4, "count", .fixed64), f(5, "sum", .double), f(6, "scale", .sint32), f(7, "zeroCount", .fixed64),
                f(8, "positive", .message("Buckets")), f(9, "negative", .message("Buckets")), f(10, "flags", .uint32), ex(11),
                f(12, "min", .double), f(13, "max", .double), f(14, "zeroThreshold", .double),
            ],
            "Buckets": [f(1, "offset", .sint32), f(2, "bucketCounts", .uint64, repeated: true)],
            "SummaryDataPoint": [
                f(7, "attributes", kv, repeated: true), f(2, "startTimeUnixNano", .fixed64), f(3, "timeUnixNano", .fixed64),
                f(4, "count", .fixed64), f(5, "sum", .double), f(6, "quantileValues", .message("ValueAtQuantile"), repeated: true),
                f(8, "flags", .uint32),
            ],
            "ValueAtQuantile": [f(1, "quantile", .double), f(2, "value", .double)],
            "Exemplar": [
                f(7, "filteredAttributes", kv, repeated: true), f(2, "timeUnixNano", .fixed64), f(3, "asDouble", .double),
                f(6, "asInt", .sfixed64), f(4, "spanId", .hexID), f(5, "traceId", .hexID),
            ],
            "KeyValue": [f(1, "key", .string), f(2, "value", .message("AnyValue"))],
            "AnyValue": [
                f(1, "stringValue", .string), f(2, "boolValue", .bool), f(3, "intValue", .int64), f(4, "doubleValue", .double),
                f(5, "arrayValue", .message("ArrayValue")), f(6, "kvlistValue", .message("KeyValueList")), f(7, "bytesValue", .bytes),
            ],
            "ArrayValue": [f(1, "values", .message("AnyValue"), repeated: true)],
            "KeyValueList": [f(1, "values", kv, repeated: true)],
        ]
    }()

    static let maxDepth = 64
}
