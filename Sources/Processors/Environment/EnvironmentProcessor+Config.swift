import CollectorCore
import GenAISemantics

extension EnvironmentProcessor {
    /// ```yaml
    /// environment:
    ///   rules:                          # first match wins; attribute looked up on the span, then the resource
    ///     - attribute: k8s.namespace.name
    ///       matches: "-staging$"        # or equals: "..."
    ///       environment: staging
    ///   from_attribute: deployment.environment.name   # else this attribute's value
    ///   value: production               # else this
    ///   override: false                 # true: replace an environment the span already has
    /// ```
    public struct Config: Sendable, Equatable {
        public struct Rule: Sendable, Equatable {
            public var attribute: String
            public var equals: String?
            public var matches: CompiledPattern?
            public var environment: String

            public init(attribute: String, equals: String?, matches: CompiledPattern?, environment: String) {
                self.attribute = attribute
                self.equals = equals
                self.matches = matches
                self.environment = environment
            }
        }

        public var rules: [Rule]
        public var fromAttribute: String?
        public var value: String?
        public var override: Bool

        public init(rules: [Rule] = [], fromAttribute: String? = nil, value: String? = nil, override: Bool = false) {
            self.rules = rules
            self.fromAttribute = fromAttribute
            self.value = value
            self.override = override
        }

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            rules = try map.list("rules") { (r) throws(ConfigError) -> Rule in
                let attribute = try r.requiredString("attribute")
                let equals = try r.string("equals")
                let pattern = try r.string("matches")
                guard (equals == nil) != (pattern == nil) else {
                    throw ConfigError(r.path, "give exactly one of equals or matches")
                }
                let matches: CompiledPattern?
                if let pattern { matches = try CompiledPattern(pattern, path: r.childPath("matches")) } else { matches = nil }
                let environment = try r.requiredString("environment")
                try Self.checkName(environment, path: r.childPath("environment"))
                return Rule(attribute: attribute, equals: equals, matches: matches, environment: environment)
            }
            fromAttribute = try map.string("from_attribute")
            value = try map.string("value")
            if let value { try Self.checkName(value, path: map.childPath("value")) }
            override = try map.bool("override", default: false)
            if rules.isEmpty && fromAttribute == nil && value == nil {
                throw ConfigError(map.path, "give at least one of rules, from_attribute or value")
            }
        }

        /// A configured name must survive Langfuse's normalisation, or every span would say `default`.
        static func checkName(_ name: String, path: String) throws(ConfigError) {
            if Environment.normalize(name) == Environment.defaultName && name.lowercased() != Environment.defaultName {
                throw ConfigError(
                    path, "'\(name)' is not a valid Langfuse environment (lower-case a-z, 0-9, _ and -, at most 40 characters, not starting with 'langfuse')")
            }
        }
    }
}
