import CollectorCore
import Foundation
import OTLPProto
import TestSupport

/// One neutral form for a request, built from our batch or from swift-protobuf's message, so the
/// two decoders can be compared field by field. Doubles compare by bit pattern (NaN-safe).
enum Canonical {
    static func hex(_ d: Data) -> JSONValue { .string(d.map { String(format: "%02x", $0) }.joined()) }

    // MARK: swift-protobuf side
    static func of(_ r: ExportRequest) -> JSONValue {
        .array(
            r.resourceSpans.map { rs in
                .object([
                    JSONMember("hasResource", .bool(rs.hasResource)),
                    JSONMember("attributes", attrs(rs.resource.attributes)),
                    JSONMember("dropped", .int(Int64(rs.resource.droppedAttributesCount))),
                    JSONMember("schema", .string(rs.schemaURL)),
                    JSONMember(
                        "scopes",
                        .array(
                            rs.scopeSpans.map { ss in
                                .object([
                                    JSONMember("hasScope", .bool(ss.hasScope)),
                                    JSONMember("name", .string(ss.scope.name)), JSONMember("version", .string(ss.scope.version)),
                                    JSONMember("attributes", attrs(ss.scope.attributes)),
                                    JSONMember("dropped", .int(Int64(ss.scope.droppedAttributesCount))),
                                    JSONMember("schema", .string(ss.schemaURL)),
                                    JSONMember("spans", .array(ss.spans.map(span))),
                                ])
                            })),
                ])
            })
    }

    static func span(_ s: Opentelemetry_Proto_Trace_V1_Span) -> JSONValue {
        .object([
            JSONMember("trace", hex(s.traceID)), JSONMember("span", hex(s.spanID)),
            JSONMember("parent", s.parentSpanID.isEmpty ? .null : hex(s.parentSpanID)),
            JSONMember("state", .string(s.traceState)), JSONMember("name", .string(s.name)),
            JSONMember("kind", .int(Int64(s.kind.rawValue))),
            JSONMember("start", .string(String(s.startTimeUnixNano))), JSONMember("end", .string(String(s.endTimeUnixNano))),
            JSONMember("attributes", attrs(s.attributes)), JSONMember("dropped", .int(Int64(s.droppedAttributesCount))),
            JSONMember(
                "events",
                .array(
                    s.events.map { e in
                        .object([
                            JSONMember("time", .string(String(e.timeUnixNano))), JSONMember("name", .string(e.name)),
                            JSONMember("attributes", attrs(e.attributes)), JSONMember("dropped", .int(Int64(e.droppedAttributesCount))),
                        ])
                    })),
            JSONMember("droppedEvents", .int(Int64(s.droppedEventsCount))),
            JSONMember(
                "links",
                .array(
                    s.links.map { l in
                        .object([
                            JSONMember("trace", hex(l.traceID)), JSONMember("span", hex(l.spanID)), JSONMember("state", .string(l.traceState)),
                            JSONMember("attributes", attrs(l.attributes)), JSONMember("dropped", .int(Int64(l.droppedAttributesCount))),
                            JSONMember("flags", .int(Int64(l.flags))),
                        ])
                    })),
            JSONMember("droppedLinks", .int(Int64(s.droppedLinksCount))),
            JSONMember(
                "status",
                s.hasStatus
                    ? .object([
                        JSONMember("code", .int(Int64(s.status.code.rawValue))),
                        JSONMember("message", .string(s.status.message)),
                    ]) : .null),
            JSONMember("flags", .int(Int64(s.flags))),
        ])
    }

    static func attrs(_ list: [Opentelemetry_Proto_Common_V1_KeyValue]) -> JSONValue {
        .array(list.map { .array([.string($0.key), value($0.value)]) })
    }

    static func value(_ v: Opentelemetry_Proto_Common_V1_AnyValue) -> JSONValue {
        switch v.value {
        case nil: return .null
        case .stringValue(let s)?: return .object([JSONMember("s", .string(s))])
        case .boolValue(let b)?: return .object([JSONMember("b", .bool(b))])
        case .intValue(let i)?: return .object([JSONMember("i", .int(i))])
        case .doubleValue(let d)?: return .object([JSONMember("d", .int(Int64(bitPattern: d.bitPattern)))])
        case .bytesValue(let d)?: return .object([JSONMember("x", hex(d))])
        case .arrayValue(let a)?: return .object([JSONMember("a", .array(a.values.map(value)))])
        case .kvlistValue(let k)?: return .object([JSONMember("k", attrs(k.values))])
        }
    }

    // MARK: our side
    static func of(_ b: TraceBatch) -> JSONValue {
        .array(
            b.resources.map { r in
                .object([
                    JSONMember("hasResource", .bool(r.hasResource)),
                    JSONMember("attributes", attrs(b, b.attributes[r.attributes.range])),
                    JSONMember("dropped", .int(Int64(r.droppedAttributesCount))),
                    JSONMember("schema", .string(b.string(r.schemaURL))),
                    JSONMember(
                        "scopes",
                        .array(
                            b.scopes[r.scopes.range].map { s in
                                .object([
                                    JSONMember("hasScope", .bool(s.hasScope)),
                                    JSONMember("name", .string(b.string(s.name))), JSONMember("version", .string(b.string(s.version))),
                                    JSONMember("attributes", attrs(b, b.attributes[s.attributes.range])),
                                    JSONMember("dropped", .int(Int64(s.droppedAttributesCount))),
                                    JSONMember("schema", .string(b.string(s.schemaURL))),
                                    JSONMember("spans", .array(b.spans[s.spans.range].map { span(b, $0) })),
                                ])
                            })),
                ])
            })
    }

    static func idHex(_ bytes: [UInt8]) -> JSONValue { hex(Data(bytes)) }

    static func span(_ b: TraceBatch, _ s: Span) -> JSONValue {
        .object([
            JSONMember("trace", s.traceID.isZero ? .string("") : .string(s.traceID.hex)),
            JSONMember("span", s.spanID.isZero ? .string("") : .string(s.spanID.hex)),
            JSONMember("parent", s.parentSpanID.map { .string($0.hex) } ?? .null),
            JSONMember("state", .string(b.string(s.traceState))), JSONMember("name", .string(b.string(s.name))),
            JSONMember("kind", .int(Int64(s.kind))),
            JSONMember("start", .string(String(s.startTimeUnixNano))), JSONMember("end", .string(String(s.endTimeUnixNano))),
            JSONMember("attributes", attrs(b, b.attributes[s.attributes.range])),
            JSONMember("dropped", .int(Int64(s.droppedAttributesCount))),
            JSONMember(
                "events",
                .array(
                    b.events[s.events.range].map { e in
                        .object([
                            JSONMember("time", .string(String(e.timeUnixNano))), JSONMember("name", .string(b.string(e.name))),
                            JSONMember("attributes", attrs(b, b.attributes[e.attributes.range])),
                            JSONMember("dropped", .int(Int64(e.droppedAttributesCount))),
                        ])
                    })),
            JSONMember("droppedEvents", .int(Int64(s.droppedEventsCount))),
            JSONMember(
                "links",
                .array(
                    b.links[s.links.range].map { l in
                        .object([
                            JSONMember("trace", .string(l.traceID.hex)), JSONMember("span", .string(l.spanID.hex)),
                            JSONMember("state", .string(b.string(l.traceState))),
                            JSONMember("attributes", attrs(b, b.attributes[l.attributes.range])),
                            JSONMember("dropped", .int(Int64(l.droppedAttributesCount))), JSONMember("flags", .int(Int64(l.flags))),
                        ])
                    })),
            JSONMember("droppedLinks", .int(Int64(s.droppedLinksCount))),
            JSONMember(
                "status",
                s.status.map {
                    .object([
                        JSONMember("code", .int(Int64($0.code))),
                        JSONMember("message", .string(b.string($0.message))),
                    ])
                } ?? .null),
            JSONMember("flags", .int(Int64(s.flags))),
        ])
    }

    static func attrs(_ b: TraceBatch, _ list: ArraySlice<Attribute>) -> JSONValue {
        .array(list.map { .array([.string(b.string($0.key)), value(b, $0.value)]) })
    }

    static func value(_ b: TraceBatch, _ v: AttributeValue) -> JSONValue {
        switch v {
        case .empty: return .null
        case .string(let r): return .object([JSONMember("s", .string(b.string(r)))])
        case .bool(let x): return .object([JSONMember("b", .bool(x))])
        case .int(let i): return .object([JSONMember("i", .int(i))])
        case .double(let d): return .object([JSONMember("d", .int(Int64(bitPattern: d.bitPattern)))])
        case .bytes(let r): return .object([JSONMember("x", idHex(b.byteArray(r)))])
        case .array(let s): return .object([JSONMember("a", .array(b.arrayValues[s.range].map { value(b, $0) }))])
        case .kvlist(let s): return .object([JSONMember("k", attrs(b, b.nestedAttributes[s.range]))])
        }
    }
}
