import CollectorCore

extension RedactionProcessor {
    /// ```yaml
    /// redaction:
    ///   default_action: mask          # mask | hash | drop | off, for the built-in detectors not listed
    ///   detectors:                    # per built-in detector
    ///     email: hash
    ///     ip_address: off
    ///   hash_key: ${file:/run/secrets/redaction-key}   # required when a rule hashes; 16 bytes or more
    ///   custom:                       # your own patterns (regular expressions)
    ///     - {name: employee_id, pattern: "EMP-[0-9]{6}", action: mask}
    ///   words:                        # word lists, matched case-insensitively as whole words
    ///     - {name: codename, words: [bluebird, nightjar], action: mask}
    ///   deny_keys: ["*authorization*"]  # values of matching keys are always replaced (default: a list of secret-bearing keys);
    ///                                   # JSON keys inside values too
    ///   numeric_keys: ["*"]           # numbers under matching keys are read as digits (a card number sent as an int)
    ///   allowed_keys: []              # non-empty: attributes whose key matches none are removed
    ///   span_counts: true             # redaction.<rule>.count on each span
    ///   mark_applied: false           # redaction.applied = true on each changed span
    ///   max_json_depth: 64            # deeper JSON values are masked whole
    /// ```
    public struct Config: Sendable {
        /// Built-in detectors (in `Detector.allCases` order), then custom patterns, then word lists.
        var rules: [RedactionRule]
        public var hashKey: [UInt8]?
        public var denyKeys: [KeyGlob]
        public var allowedKeys: [KeyGlob]
        public var numericKeys: [KeyGlob]
        public var spanCounts: Bool
        public var markApplied: Bool
        public var maxJSONDepth: Int

        /// Keys whose values are secrets whatever they look like. `token` is matched as a word of the
        /// key (`token`, `id_token`, `x-auth-token`, `github.token`), never inside one: `input_tokens`
        /// and `token_count` are usage, not secrets.
        public static let defaultDenyKeys = [
            "*authorization*", "*api_key*", "*api-key*", "*apikey*", "*password*", "*passwd*", "pwd", "*.pwd", "*_pwd", "*-pwd",
            "*secret*", "*cookie*", "*private_key*", "*credential*",
            "token", "*.token", "*_token", "*-token", "*access_token*", "*refresh_token*", "*session_token*",
            "ai.request.headers.*", "http.request.header.x-api-key",
        ]

        /// Every built-in detector with one action, default key rules.
        public init(
            defaultAction: RedactionAction = .mask, actions: [Detector: RedactionAction] = [:], hashKey: [UInt8]? = nil,
            denyKeys: [String] = Config.defaultDenyKeys, allowedKeys: [String] = [], numericKeys: [String] = ["*"],
            spanCounts: Bool = true, markApplied: Bool = false, maxJSONDepth: Int = 64
        ) {
            rules = Detector.allCases.map { d in
                RedactionRule(name: d.rawValue, kind: .builtin(d), action: actions[d] ?? defaultAction, placeholder: Array("<\(d.placeholderName)>".utf8))
            }
            self.hashKey = hashKey
            self.denyKeys = denyKeys.map(KeyGlob.init)
            self.allowedKeys = allowedKeys.map(KeyGlob.init)
            self.numericKeys = numericKeys.map(KeyGlob.init)
            self.spanCounts = spanCounts
            self.markApplied = markApplied
            self.maxJSONDepth = maxJSONDepth
        }

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            let defaultAction = try map.choice("default_action", default: RedactionAction.mask)
            var actions: [Detector: RedactionAction] = [:]
            if var d = try map.map("detectors") {
                for key in d.keys {
                    guard let detector = Detector(rawValue: key) else {
                        throw ConfigError(d.childPath(key), "unknown detector (known: \(Detector.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    actions[detector] = try d.choice(key, default: RedactionAction.mask)
                }
                try d.finish()
            }
            let key = try map.string("hash_key").map { Array($0.utf8) }
            self.init(
                defaultAction: defaultAction, actions: actions, hashKey: key,
                denyKeys: map.has("deny_keys") ? try map.strings("deny_keys") : Config.defaultDenyKeys,
                allowedKeys: try map.strings("allowed_keys"),
                numericKeys: map.has("numeric_keys") ? try map.strings("numeric_keys") : ["*"],
                spanCounts: try map.bool("span_counts", default: true),
                markApplied: try map.bool("mark_applied", default: false),
                maxJSONDepth: try map.int("max_json_depth", default: 64, range: 1...1024))
            var names = Set(Detector.allCases.map(\.rawValue))
            func checkName(_ name: String, _ path: String) throws(ConfigError) {
                guard !name.isEmpty, name.utf8.allSatisfy({ isDigit($0) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == UInt8(ascii: "_") }) else {
                    throw ConfigError(path, "a rule name uses a-z, 0-9 and _")
                }
                guard names.insert(name).inserted else { throw ConfigError(path, "'\(name)' is already a rule name") }
            }
            rules += try map.list("custom") { (c) throws(ConfigError) -> RedactionRule in
                let name = try c.requiredString("name")
                try checkName(name, c.childPath("name"))
                let pattern = try CompiledPattern(try c.requiredString("pattern"), path: c.childPath("pattern"))
                let action = try c.choice("action", default: RedactionAction.mask)
                return RedactionRule(name: name, kind: .pattern(pattern), action: action, placeholder: Array("<\(name.uppercased())>".utf8))
            }
            rules += try map.list("words") { (c) throws(ConfigError) -> RedactionRule in
                let name = try c.requiredString("name")
                try checkName(name, c.childPath("name"))
                let words = try c.strings("words").map { Array($0.lowercased().utf8) }.filter { !$0.isEmpty }
                if words.isEmpty { throw ConfigError(c.childPath("words"), "give at least one word") }
                let action = try c.choice("action", default: RedactionAction.mask)
                return RedactionRule(name: name, kind: .words(words), action: action, placeholder: Array("<\(name.uppercased())>".utf8))
            }
            if rules.contains(where: { $0.action == .hash }) {
                guard let hashKey else { throw ConfigError(map.childPath("hash_key"), "required when a rule's action is hash") }
                guard hashKey.count >= 16 else { throw ConfigError(map.childPath("hash_key"), "must be at least 16 bytes") }
            }
        }

        /// The rules by name and action, for `validate` and the README.
        public var ruleSummary: [(name: String, action: RedactionAction)] { rules.map { ($0.name, $0.action) } }
    }
}

extension RedactionProcessor.Config: Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        a.ruleSummary.map(\.name) == b.ruleSummary.map(\.name) && a.ruleSummary.map(\.action) == b.ruleSummary.map(\.action)
            && a.hashKey == b.hashKey && a.denyKeys == b.denyKeys && a.allowedKeys == b.allowedKeys && a.numericKeys == b.numericKeys
            && a.spanCounts == b.spanCounts
            && a.markApplied == b.markApplied && a.maxJSONDepth == b.maxJSONDepth
    }
}
