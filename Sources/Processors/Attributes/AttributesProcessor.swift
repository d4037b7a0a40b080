import CollectorCore
import Crypto

/// Inserts, updates, upserts, deletes and hashes span (or log record) attributes (`attributes`) or resource
/// attributes (`resource`, the same actions, as the OpenTelemetry Collector's processor of that
/// name), in the configured order. `hash` replaces a value with the lower-case hex SHA-256 of its
/// text (unsalted, as the OpenTelemetry Collector does; the `redaction` processor offers keyed
/// pseudonyms).
public struct AttributesProcessor: SpanProcessor {
    public static let type = "attributes"
    public static let resourceType = "resource"

    public enum Target: Sendable { case spans, resources }

    public let config: Config
    public let target: Target

    public init(config: Config, target: Target = .spans) {
        self.config = config
        self.target = target
    }

    public func process(_ batch: inout TraceBatch) -> ProcessorOutcome {
        var outcome = ProcessorOutcome()
        var keys: [String: ByteRange] = [:]
        var values: [Int: AttributeValue] = [:]
        let owners = target == .resources ? batch.resources.indices : batch.signal == .logs ? batch.logRecords.indices : batch.spans.indices
        for owner in owners {
            for (n, step) in config.actions.enumerated() {
                apply(step, n, owner, &batch, &keys, &values, &outcome)
            }
        }
        return outcome
    }

    private func slice(_ owner: Int, _ batch: TraceBatch) -> TableSlice {
        switch target {
        case .resources: return batch.resources[owner].attributes
        case .spans: return batch.signal == .logs ? batch.logRecords[owner].attributes : batch.spans[owner].attributes
        }
    }

    private func apply(
        _ step: Step, _ n: Int, _ owner: Int, _ batch: inout TraceBatch, _ keys: inout [String: ByteRange],
        _ values: inout [Int: AttributeValue], _ outcome: inout ProcessorOutcome
    ) {
        switch step.action {
        case .insert, .update, .upsert:
            guard let key = step.key else { return }
            let present = batch.attributeIndex(in: slice(owner, batch), key: key) != nil
            if step.action == .insert && present { return }
            if step.action == .update && !present { return }
            let value: AttributeValue
            if let from = step.fromAttribute {
                guard let i = batch.attributeIndex(in: slice(owner, batch), key: from) else { return }
                value = batch.attributes[i].value
            } else if let cached = values[n] {
                value = cached
            } else {
                guard let scalar = step.value else { return }
                value = Self.store(scalar, in: &batch)
                values[n] = value
            }
            let keyRange = keys[key] ?? batch.store(key)
            keys[key] = keyRange
            switch target {
            case .resources: batch.setResourceAttribute(owner, key: keyRange, value: value)
            case .spans where batch.signal == .logs: batch.setLogRecordAttribute(owner, key: keyRange, value: value)
            case .spans: batch.setSpanAttribute(owner, key: keyRange, value: value)
            }
            outcome.add(step.action.rawValue)
        case .delete:
            let removed: Int
            switch target {
            case .resources: removed = batch.removeResourceAttributes(owner) { matches(step, $0) }
            case .spans where batch.signal == .logs: removed = batch.removeLogRecordAttributes(owner) { matches(step, $0) }
            case .spans: removed = batch.removeSpanAttributes(owner) { matches(step, $0) }
            }
            if removed > 0 { outcome.add("delete", removed) }
        case .hash:
            for i in slice(owner, batch).range where matches(step, batch.string(batch.attributes[i].key)) {
                let digest = SHA256.hash(data: Array(batch.stringified(batch.attributes[i].value).utf8))
                let hex = Hex.string(digest)
                batch.attributes[i].value = .string(batch.store(hex))
                outcome.add("hash")
            }
        }
    }

    private func matches(_ step: Step, _ key: String) -> Bool {
        if let k = step.key { return k == key }
        return step.pattern?.matches(key) ?? false
    }

    static func store(_ scalar: TypedScalar, in batch: inout TraceBatch) -> AttributeValue {
        switch scalar {
        case .string(let s): return .string(batch.store(s))
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        }
    }
}
