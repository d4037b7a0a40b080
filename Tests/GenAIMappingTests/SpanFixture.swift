import CollectorCore
import GenAIMapping
import OTLP

/// Attribute values for hand-written test spans.
indirect enum A: Sendable {
    case s(String), i(Int64), d(Double), b(Bool), arr([A]), kv([(String, A)])

    var json: JSONValue {
        switch self {
        case .s(let v): return .object([JSONMember("stringValue", .string(v))])
        case .i(let v): return .object([JSONMember("intValue", .string(String(v)))])
        case .d(let v): return .object([JSONMember("doubleValue", .double(v))])
        case .b(let v): return .object([JSONMember("boolValue", .bool(v))])
        case .arr(let v): return .object([JSONMember("arrayValue", .object([JSONMember("values", .array(v.map(\.json)))]))])
        case .kv(let v): return .object([JSONMember("kvlistValue", .object([JSONMember("values", attributes(v))]))])
        }
    }
}

func attributes(_ list: [(String, A)]) -> JSONValue {
    .array(list.map { .object([JSONMember("key", .string($0.0)), JSONMember("value", $0.1.json)]) })
}

/// One span, described by what a test cares about.
struct TestSpan {
    var attributes: [(String, A)] = []
    var name = "span"
    var traceID = "0af7651916cd43dd8448eb211c80319c"
    var spanID = "b7ad6b7169203331"
    var parentID: String? = nil
    var start: UInt64 = 1_700_000_000_123_456_789
    var end: UInt64 = 1_700_000_001_987_654_321
    var statusCode: Int64? = nil
    var statusMessage: String? = nil
    var events: [(name: String, time: UInt64, attributes: [(String, A)])] = []

    var json: JSONValue {
        var m: [JSONMember] = [
            JSONMember("traceId", .string(traceID)), JSONMember("spanId", .string(spanID)),
            JSONMember("name", .string(name)),
            JSONMember("startTimeUnixNano", .string(String(start))), JSONMember("endTimeUnixNano", .string(String(end))),
            JSONMember("attributes", GenAIMappingTests.attributes(attributes)),
        ]
        if let parentID { m.append(JSONMember("parentSpanId", .string(parentID))) }
        if statusCode != nil || statusMessage != nil {
            var st: [JSONMember] = []
            if let statusCode { st.append(JSONMember("code", .int(statusCode))) }
            if let statusMessage { st.append(JSONMember("message", .string(statusMessage))) }
            m.append(JSONMember("status", .object(st)))
        }
        if !events.isEmpty {
            m.append(
                JSONMember(
                    "events",
                    .array(
                        events.map {
                            .object([
                                JSONMember("name", .string($0.name)), JSONMember("timeUnixNano", .string(String($0.time))),
                                JSONMember("attributes", GenAIMappingTests.attributes($0.attributes)),
                            ])
                        })))
        }
        return .object(m)
    }
}

/// Builds an OTLP/JSON request and decodes it with the real decoder.
func makeBatch(
    _ spans: [TestSpan], scope: String = "test-scope", scopeVersion: String = "1.0",
    resource: [(String, A)] = [("service.name", .s("svc"))]
) throws -> TraceBatch {
    let doc = JSONValue.object([
        JSONMember(
            "resourceSpans",
            .array([
                .object([
                    JSONMember("resource", .object([JSONMember("attributes", attributes(resource))])),
                    JSONMember(
                        "scopeSpans",
                        .array([
                            .object([
                                JSONMember("scope", .object([JSONMember("name", .string(scope)), JSONMember("version", .string(scopeVersion))])),
                                JSONMember("spans", .array(spans.map(\.json))),
                            ])
                        ])),
                ])
            ]))
    ])
    var w = JSONWriter()
    w.write(doc)
    return try OTLPJSONDecoder().decode(w.bytes)
}

func translate(
    _ spans: [TestSpan], scope: String = "test-scope", scopeVersion: String = "1.0",
    resource: [(String, A)] = [("service.name", .s("svc"))]
) throws -> LangfuseRecords {
    GenAITranslator().translate(try makeBatch(spans, scope: scope, scopeVersion: scopeVersion, resource: resource))
}

/// An observation with its record values rendered as JSON, for comparisons.
@dynamicMemberLookup
struct RenderedObservation {
    let raw: LangfuseObservation
    let batch: TraceBatch

    subscript<T>(dynamicMember path: KeyPath<LangfuseObservation, T>) -> T { raw[keyPath: path] }
    var input: JSONValue? { raw.input.map { batch.json($0) } }
    var output: JSONValue? { raw.output.map { batch.json($0) } }
    var metadata: [JSONMember] { batch.json(raw.metadata) }
}

/// The single observation of a one-span request.
func observation(
    _ attributes: [(String, A)], name: String = "span", scope: String = "test-scope",
    resource: [(String, A)] = [("service.name", .s("svc"))],
    configure: (inout TestSpan) -> Void = { _ in }
) throws -> RenderedObservation {
    var span = TestSpan(attributes: attributes, name: name)
    configure(&span)
    let records = try translate([span], scope: scope, resource: resource)
    return RenderedObservation(raw: records.observations[0], batch: records.batch)
}

extension LangfuseRecords {
    func json(_ v: RecordValue?) -> JSONValue? { v.map { batch.json($0) } }
    func json(_ m: [RecordMember]?) -> [JSONMember]? { m.map { batch.json($0) } }
}

func json(_ text: String) -> JSONValue { try! JSONParser().parse(text) }
