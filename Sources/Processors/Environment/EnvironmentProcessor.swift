import CollectorCore
import GenAISemantics

/// Tags every span with a Langfuse environment (`langfuse.environment`), from rules, another
/// attribute or a static value, normalised as Langfuse normalises it. By default a span that already
/// names an environment (by Langfuse's own precedence, span before resource) keeps it.
public struct EnvironmentProcessor: SpanProcessor {
    public static let type = "environment"
    public let config: Config

    public init(config: Config) {
        self.config = config
    }

    public func process(_ batch: inout TraceBatch) -> ProcessorOutcome {
        var outcome = ProcessorOutcome()
        var keyRange: ByteRange?
        var stored: [String: ByteRange] = [:]
        for resource in batch.resources {
            for scope in batch.scopes[resource.scopes.range] {
                for spanIndex in scope.spans.range {
                    let span = batch.spans[spanIndex]
                    if !config.override, existing(batch, span.attributes, resource.attributes) != nil {
                        outcome.add("kept")
                        continue
                    }
                    guard let raw = candidate(batch, span.attributes, resource.attributes) else {
                        outcome.add("no_source")
                        continue
                    }
                    let name = Environment.normalize(raw)
                    let key = keyRange ?? batch.store(AttributeKey.langfuseEnvironment.rawValue)
                    keyRange = key
                    let value = stored[name] ?? batch.store(name)
                    stored[name] = value
                    batch.setSpanAttribute(spanIndex, key: key, value: .string(value))
                    outcome.add("tagged")
                }
            }
        }
        return outcome
    }

    /// The environment Langfuse would already read from the span or its resource.
    func existing(_ batch: TraceBatch, _ span: TableSlice, _ resource: TableSlice) -> String? {
        for key in MappingTables.environmentKeys {
            if let v = lookup(batch, key.rawValue, span, resource) { return v }
        }
        return nil
    }

    func candidate(_ batch: TraceBatch, _ span: TableSlice, _ resource: TableSlice) -> String? {
        for rule in config.rules {
            guard let v = lookup(batch, rule.attribute, span, resource) else { continue }
            if let equals = rule.equals, v == equals { return rule.environment }
            if let pattern = rule.matches, pattern.matches(v) { return rule.environment }
        }
        if let from = config.fromAttribute, let v = lookup(batch, from, span, resource) { return v }
        return config.value
    }

    /// A truthy value of `key` on the span, else on the resource, as text.
    func lookup(_ batch: TraceBatch, _ key: String, _ span: TableSlice, _ resource: TableSlice) -> String? {
        for slice in [span, resource] {
            if let i = batch.attributeIndex(in: slice, key: key), batch.isTruthy(batch.attributes[i].value) {
                return batch.stringified(batch.attributes[i].value)
            }
        }
        return nil
    }
}
