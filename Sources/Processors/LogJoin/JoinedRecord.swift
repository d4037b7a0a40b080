import CollectorCore
import GenAISemantics

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
    var bytes: Int { store.bytes.capacity + store.tableBytes + attributes.capacity * TraceBatch.EntrySize.attribute + 96 }

    /// The event names the join takes; `gen_ai.evaluation.result` rides along as a span event.
    static let joinable: Set<String> = [
        GenAIEventName.systemMessage.rawValue, GenAIEventName.userMessage.rawValue, GenAIEventName.assistantMessage.rawValue,
        GenAIEventName.toolMessage.rawValue, GenAIEventName.choice.rawValue, GenAIEventName.inferenceDetails.rawValue,
        "gen_ai.evaluation.result",
    ]
    static let outputs: Set<String> = [GenAIEventName.choice.rawValue, GenAIEventName.inferenceDetails.rawValue]
    /// Record attributes that say what the record is rather than what the message holds.
    static let envelope: Set<String> = ["event.name", "gen_ai.system", "gen_ai.provider.name"]

    /// The record's event name: the `event_name` field, else the older `event.name` attribute.
    static func eventName(_ r: LogRecord, in batch: TraceBatch) -> String? {
        if r.eventName.count > 0 { return batch.string(r.eventName) }
        guard let i = batch.attributeIndex(in: r.attributes, key: "event.name"), case .string(let s) = batch.attributes[i].value else { return nil }
        return batch.string(s)
    }

    init?(_ r: LogRecord, in batch: TraceBatch) {
        guard let name = Self.eventName(r, in: batch), Self.joinable.contains(name) else { return nil }
        self.name = name
        time = r.timeUnixNano != 0 ? r.timeUnixNano : r.observedTimeUnixNano
        isOutput = Self.outputs.contains(name)
        switch r.body {
        case .kvlist(let members)?:
            for m in batch.nestedAttributes[members.range] { attributes.append(store.importAttribute(m, from: batch)) }
        case nil, .empty?:
            break
        case let body?:
            attributes.append(Attribute(key: store.store("content"), value: store.importValue(body, from: batch)))
        }
        for a in batch.attributes[r.attributes.range] where !Self.envelope.contains(batch.string(a.key)) {
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
