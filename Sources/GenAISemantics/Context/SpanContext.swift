import CollectorCore

/// Facts about one resource, computed once and shared by all its spans.
public struct ResourceFacts {
    /// The resource's attributes, built once so every span shares the same storage.
    var attributesValue: RecordValue
    /// Known keys' values, by `AttributeKey` ordinal.
    var values: [AttributeValue?]
    /// Trace metadata set on the resource (`langfuse.trace.metadata*`, `langfuse.metadata*`).
    public internal(set) var traceMetadata: [JSONMember]
}

/// Facts about one instrumentation scope, computed once and shared by its spans.
struct ScopeFacts {
    var name: String
    public var version: String
    /// Name, version and attributes, built once per scope.
    var jsonValue: RecordValue
    var isLangfuseSDK: Bool
}

/// Read access to one span's attributes for the mapping rules. One value serves a whole batch:
/// the translator replaces span, index and facts in place, and rules borrow it, so nothing is
/// copied or retained per span.
public struct SpanContext {
    public let batch: TraceBatch
    public internal(set) var span = Span()
    var index = SpanIndex()
    public internal(set) var resource = ResourceFacts(attributesValue: .json(.object([])), values: [], traceMetadata: [])
    var scope = ScopeFacts(name: "", version: "", jsonValue: .json(.object([])), isLangfuseSDK: false)
    let caches = Caches()

    /// Per-batch memo tables; a class so that read-only rules can fill them.
    final class Caches {
        var texts = TextCache()
        var environment: (raw: ByteRange, normalized: String)?
        /// What the rules noticed but could not use; the translator adds it to its stats.
        var notes = TranslationNotes()
    }

    init(batch: TraceBatch) {
        self.batch = batch
    }

    /// Stored text, interned: repeated short values (model names, span names, user ids) in a batch
    /// share one String instead of allocating per span.
    public func text(_ r: ByteRange) -> String { caches.texts.text(r, in: batch) }

    public func value(_ key: AttributeKey) -> AttributeValue? {
        index.index(key).map { batch.attributes[$0].value }
    }

    public func has(_ key: AttributeKey) -> Bool { index.index(key) != nil }

    func truthy(_ key: AttributeKey) -> AttributeValue? {
        guard let v = value(key), batch.isTruthy(v) else { return nil }
        return v
    }

    func json(_ key: AttributeKey) -> JSONValue? { value(key).map { batch.jsonValue($0) } }

    /// The value as text: strings as they are, other values as JSON text.
    public func text(_ key: AttributeKey) -> String? { value(key).map(stringified) }

    public func truthyText(_ key: AttributeKey) -> String? { truthy(key).map(stringified) }

    func stringified(_ v: AttributeValue) -> String {
        if case .string(let r) = v { return text(r) }
        return batch.stringified(v)
    }

    /// Only a string-typed value.
    func string(_ key: AttributeKey) -> String? {
        if case .string(let r)? = value(key) { return batch.string(r) }
        return nil
    }

    func firstTruthyText(_ keys: [AttributeKey]) -> String? {
        for k in keys { if let t = truthyText(k) { return t } }
        return nil
    }

    /// A string attribute parsed as JSON; nil when absent or not JSON.
    func parsedJSON(_ key: AttributeKey) -> JSONValue? {
        guard let v = value(key) else { return nil }
        if case .string(let r) = v { return JSONParser.parseIfJSON(batch.string(r)) }
        return batch.jsonValue(v)
    }

    /// Members of a key family, with the prefix removed, in attribute order.
    func family(_ family: AttributeKeyPrefix) -> [(suffix: String, value: AttributeValue)] {
        let prefixLength = family.rawValue.utf8.count
        return index.family(family).map { i in
            let a = batch.attributes[i]
            let key = ByteRange(start: Int(a.key.start) + prefixLength, count: Int(a.key.count) - prefixLength)
            return (batch.string(key), a.value)
        }
    }

    func hasFamily(_ f: AttributeKeyPrefix) -> Bool { index.hasFamily(f) }

    /// A dotted key such as `langfuse.trace.metadata.langfuse_user_id`, compared in place.
    func dotted(_ f: AttributeKeyPrefix, _ suffix: StaticString) -> AttributeValue? {
        let id = UInt8(f.ordinal)
        let prefixLength = f.rawValue.utf8.count
        var found: AttributeValue?
        for p in index.prefixed where p.family == id {
            let a = batch.attributes[Int(p.index)]
            let key = ByteRange(start: Int(a.key.start) + prefixLength, count: Int(a.key.count) - prefixLength)
            if batch.equals(key, suffix) { found = a.value }
        }
        return found
    }

    func resourceValue(_ key: AttributeKey) -> AttributeValue? { resource.values[key.ordinal] }

    var scopeName: String { scope.name }
    var spanName: String { text(span.name) }
}
