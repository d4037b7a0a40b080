import CollectorCore

extension AttributesProcessor {
    public enum Action: String, Sendable, CaseIterable {
        case insert, update, upsert, delete, hash
    }

    /// One step, as the OpenTelemetry Collector's `attributes` processor spells it.
    public struct Step: Sendable, Equatable {
        public var action: Action
        public var key: String?
        public var pattern: CompiledPattern?
        public var value: TypedScalar?
        public var fromAttribute: String?

        public init(action: Action, key: String?, pattern: CompiledPattern?, value: TypedScalar?, fromAttribute: String?) {
            self.action = action
            self.key = key
            self.pattern = pattern
            self.value = value
            self.fromAttribute = fromAttribute
        }
    }

    /// ```yaml
    /// attributes/scrub:
    ///   actions:
    ///     - { key: user.email, action: hash }
    ///     - { key: team, action: insert, value: payments }
    ///     - { key: tenant, action: upsert, from_attribute: http.request.header.x-tenant }
    ///     - { pattern: "^http\\.request\\.header\\.", action: delete }
    /// ```
    public struct Config: Sendable, Equatable {
        public var actions: [Step]

        public init(actions: [Step]) {
            self.actions = actions
        }

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            actions = try map.list("actions") { (m) throws(ConfigError) -> Step in
                let name = try m.requiredString("action")
                guard let action = Action(rawValue: name) else {
                    throw ConfigError(m.childPath("action"), "'\(name)' is not one of \(Action.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let key = try m.string("key")
                let patternText = try m.string("pattern")
                let value = m.node("value")
                let from = try m.string("from_attribute")
                var step = Step(action: action, key: key, pattern: nil, value: nil, fromAttribute: from)
                switch action {
                case .insert, .update, .upsert:
                    guard key != nil else { throw ConfigError(m.childPath("key"), "is required for \(name)") }
                    guard patternText == nil else { throw ConfigError(m.childPath("pattern"), "only delete and hash take a pattern") }
                    guard (value == nil) != (from == nil) else {
                        throw ConfigError(m.path, "\(name) needs exactly one of value or from_attribute")
                    }
                    if let value {
                        guard let typed = value.typedScalar else { throw ConfigError(m.childPath("value"), "expected a scalar") }
                        step.value = typed
                    }
                case .delete, .hash:
                    guard (key == nil) != (patternText == nil) else {
                        throw ConfigError(m.path, "\(name) needs exactly one of key or pattern")
                    }
                    guard value == nil, from == nil else {
                        throw ConfigError(m.path, "\(name) takes no value or from_attribute")
                    }
                    if let patternText { step.pattern = try CompiledPattern(patternText, path: m.childPath("pattern")) }
                }
                return step
            }
            if actions.isEmpty { throw ConfigError(map.childPath("actions"), "give at least one action") }
        }
    }
}
