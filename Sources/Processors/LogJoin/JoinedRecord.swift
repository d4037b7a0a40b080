import CollectorCore

/// A GenAI event log record made ready to become a span event: its event name, time, and the
/// attributes the event will carry (the body's members, then the record's own attributes less the
/// envelope keys), kept in a small batch of its own so the logs request it came in can be freed.
struct JoinedRecord: Sendable {
    var store = TraceBatch()
    var name: String
    var time: UInt64
    var attributes: [Attribute] = []
    /// `gen_ai.choice` or the whole-exchange event: the span's output has come.
    var isOutput: Bool
    /// The record's `gen_ai.response.id`: how a record without span context finds its span.
    var responseID: String?
    /// What holding it takes: its tables and bytes, and a measured allowance for the allocations
    /// and the buffer's own entries around them (`genai-collector-bench --log-join` compares).
    var bytes: Int { store.bytes.capacity + store.tableBytes + attributes.capacity * TraceBatch.EntrySize.attribute + Self.overhead }
    static let overhead = 464

    /// The event names the join takes; `gen_ai.evaluation.result` rides along as a span event.
    /// Compared as bytes in the batch, so a record that is not one costs no string.
    static let joinable: [StaticString] = [
        "gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message", "gen_ai.choice",
        "gen_ai.client.inference.operation.details", "gen_ai.evaluation.result",
    ]
    static let outputs: [StaticString] = ["gen_ai.choice", "gen_ai.client.inference.operation.details"]
    /// Record attributes that say what the record is rather than what the message holds.
    static let envelope: [StaticString] = ["event.name", "gen_ai.system", "gen_ai.provider.name"]

    /// The record's event name when it is one the join takes: the `event_name` field, else the older
    /// `event.name` attribute.
    static func eventName(_ r: LogRecord, in batch: TraceBatch) -> StaticString? {
        var name = r.eventName
        if name.count == 0 {
            guard let i = batch.attributeIndex(in: r.attributes, key: "event.name"), case .string(let s) = batch.attributes[i].value else { return nil }
            name = s
        }
        return joinable.first { batch.equals(name, $0) }
    }

    init?(_ r: LogRecord, in batch: TraceBatch) {
        guard let known = Self.eventName(r, in: batch) else { return nil }
        let name = known.description
        self.name = name
        time = r.timeUnixNano != 0 ? r.timeUnixNano : r.observedTimeUnixNano
        isOutput = Self.outputs.contains { $0.description == name }
        switch r.body {
        case .kvlist(let members)?:
            for m in batch.nestedAttributes[members.range] { attributes.append(store.importAttribute(m, from: batch)) }
        case nil, .empty?:
            break
        case let body?:
            attributes.append(Attribute(key: store.store("content"), value: store.importValue(body, from: batch)))
        }
        for a in batch.attributes[r.attributes.range] where !Self.envelope.contains(where: { batch.equals(a.key, $0) }) {
            if batch.equals(a.key, "gen_ai.response.id"), case .string(let v) = a.value, v.count > 0 { responseID = batch.string(v) }
            attributes.append(store.importAttribute(a, from: batch))
        }
    }

    /// Appends these records to span `index` of `batch` as events, in time order.
    static func attach(_ records: [JoinedRecord], to index: Int, of batch: inout TraceBatch) {
        let ordered = records.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        var new: [(event: SpanEvent, attributes: [Attribute])] = []
        for r in ordered {
            var e = SpanEvent()
            e.timeUnixNano = r.time
            e.name = batch.store(r.name)
            new.append((e, r.attributes.map { batch.importAttribute($0, from: r.store) }))
        }
        batch.appendEvents(span: index, new)
    }
}
