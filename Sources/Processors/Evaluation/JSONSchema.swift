import CollectorCore

/// The part of JSON Schema (2020-12) that structured outputs use: types, properties, required,
/// additionalProperties, items, enum/const, numeric and length bounds, pattern, allOf/anyOf/oneOf/
/// not, and local `$ref`s into `$defs`/`definitions`. A keyword outside it is a config error, so a
/// schema is never half checked.
struct JSONSchema: Sendable {
    /// One compiled schema object (or `true`/`false`).
    final class Node: Sendable {
        enum Kind: Sendable {
            case always, never, checks
        }
        let kind: Kind
        let types: [String]?
        let properties: [(String, Node)]
        let required: [String]
        let additional: Node?
        let items: Node?
        let enumValues: [JSONValue]?
        let constValue: JSONValue?
        let minimum: Double?, maximum: Double?, exclusiveMinimum: Double?, exclusiveMaximum: Double?
        let minLength: Int?, maxLength: Int?, minItems: Int?, maxItems: Int?
        let pattern: CompiledPattern?
        let allOf: [Node], anyOf: [Node], oneOf: [Node]
        let not: Node?
        let ref: String?

        init(
            kind: Kind, types: [String]? = nil, properties: [(String, Node)] = [], required: [String] = [],
            additional: Node? = nil, items: Node? = nil, enumValues: [JSONValue]? = nil, constValue: JSONValue? = nil,
            minimum: Double? = nil, maximum: Double? = nil, exclusiveMinimum: Double? = nil, exclusiveMaximum: Double? = nil,
            minLength: Int? = nil, maxLength: Int? = nil, minItems: Int? = nil, maxItems: Int? = nil,
            pattern: CompiledPattern? = nil, allOf: [Node] = [], anyOf: [Node] = [], oneOf: [Node] = [], not: Node? = nil,
            ref: String? = nil
        ) {
            self.kind = kind
            self.types = types
            self.properties = properties
            self.required = required
            self.additional = additional
            self.items = items
            self.enumValues = enumValues
            self.constValue = constValue
            self.minimum = minimum
            self.maximum = maximum
            self.exclusiveMinimum = exclusiveMinimum
            self.exclusiveMaximum = exclusiveMaximum
            self.minLength = minLength
            self.maxLength = maxLength
            self.minItems = minItems
            self.maxItems = maxItems
            self.pattern = pattern
            self.allOf = allOf
            self.anyOf = anyOf
            self.oneOf = oneOf
            self.not = not
            self.ref = ref
        }
    }

    static let typeNames: Set<String> = ["object", "array", "string", "number", "integer", "boolean", "null"]
    /// Keywords that only describe (no effect on validity).
    static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "default", "examples", "format", "deprecated", "readOnly", "writeOnly",
    ]
    /// Nesting past this fails validation instead of recursing further (a `$ref` loop over data).
    static let maxDepth = 64

    let root: Node
    let defs: [String: Node]

    init(_ value: JSONValue, path: String) throws(ConfigError) {
        var defs: [String: Node] = [:]
        for key in ["$defs", "definitions"] {
            guard let members = value[key]?.objectValue else { continue }
            for m in members { defs["#/\(key)/\(m.key)"] = try Self.compile(m.value, path: "\(path).\(key).\(m.key)") }
        }
        root = try Self.compile(value, path: path)
        self.defs = defs
        for (at, node) in [("root", root)] + defs.map({ ($0.key, $0.value) }) {
            try Self.checkRefs(node, defs: defs, path: "\(path) (\(at))")
        }
    }

    private static func checkRefs(_ n: Node, defs: [String: Node], path: String) throws(ConfigError) {
        if let r = n.ref, defs[r] == nil {
            throw ConfigError(path, "$ref '\(r)' names no entry of $defs or definitions (only local references are supported)")
        }
        for c in n.properties.map(\.1) + n.allOf + n.anyOf + n.oneOf + [n.additional, n.items, n.not].compactMap({ $0 }) {
            try checkRefs(c, defs: defs, path: path)
        }
    }

    static func compile(_ v: JSONValue, path: String) throws(ConfigError) -> Node {
        if case .bool(let b) = v { return Node(kind: b ? .always : .never) }
        guard let members = v.objectValue else { throw ConfigError(path, "a schema is an object or true/false, not \(v)") }
        func number(_ key: String) throws(ConfigError) -> Double? {
            guard let x = v[key] else { return nil }
            guard let d = x.numberValue else { throw ConfigError("\(path).\(key)", "must be a number") }
            return d
        }
        func count(_ key: String) throws(ConfigError) -> Int? {
            guard let d = try number(key) else { return nil }
            guard d >= 0, d == d.rounded(), d < 1e15 else { throw ConfigError("\(path).\(key)", "must be a non-negative integer") }
            return Int(d)
        }
        func list(_ key: String) throws(ConfigError) -> [Node] {
            guard let x = v[key] else { return [] }
            guard let a = x.arrayValue, !a.isEmpty else { throw ConfigError("\(path).\(key)", "must be a non-empty list of schemas") }
            var out: [Node] = []
            for (i, s) in a.enumerated() { out.append(try compile(s, path: "\(path).\(key)[\(i)]")) }
            return out
        }
        func sub(_ key: String) throws(ConfigError) -> Node? {
            guard let x = v[key] else { return nil }
            return try compile(x, path: "\(path).\(key)")
        }
        let known: Set<String> = [
            "type", "properties", "required", "additionalProperties", "items", "enum", "const", "minimum", "maximum",
            "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "pattern",
            "allOf", "anyOf", "oneOf", "not", "$ref", "$defs", "definitions",
        ]
        for m in members where !known.contains(m.key) && !annotations.contains(m.key) {
            throw ConfigError("\(path).\(m.key)", "is not a supported JSON Schema keyword (supported: \(known.sorted().joined(separator: ", ")))")
        }
        var types: [String]?
        switch v["type"] {
        case nil: break
        case .string(let t)?: types = [t]
        case .array(let a)?: types = a.compactMap(\.stringValue)
        case let other?: throw ConfigError("\(path).type", "must be a type name or a list of them, not \(other)")
        }
        if let bad = types?.first(where: { !typeNames.contains($0) }) {
            throw ConfigError("\(path).type", "unknown type '\(bad)' (known: \(typeNames.sorted().joined(separator: ", ")))")
        }
        var properties: [(String, Node)] = []
        if let ps = v["properties"] {
            guard let members = ps.objectValue else { throw ConfigError("\(path).properties", "must be a map of schemas") }
            for m in members { properties.append((m.key, try compile(m.value, path: "\(path).properties.\(m.key)"))) }
        }
        var required: [String] = []
        if let r = v["required"] {
            guard let a = r.arrayValue, a.allSatisfy({ $0.stringValue != nil }) else {
                throw ConfigError("\(path).required", "must be a list of property names")
            }
            required = a.compactMap(\.stringValue)
        }
        var enumValues: [JSONValue]?
        if let e = v["enum"] {
            guard let a = e.arrayValue else { throw ConfigError("\(path).enum", "must be a list") }
            enumValues = a
        }
        var pattern: CompiledPattern?
        if let p = v["pattern"] {
            guard let s = p.stringValue else { throw ConfigError("\(path).pattern", "must be a string") }
            pattern = try CompiledPattern(s, path: "\(path).pattern")
        }
        var ref: String?
        if let r = v["$ref"] {
            guard let s = r.stringValue else { throw ConfigError("\(path).$ref", "must be a string") }
            ref = s
        }
        return Node(
            kind: .checks, types: types, properties: properties, required: required, additional: try sub("additionalProperties"),
            items: try sub("items"), enumValues: enumValues, constValue: v["const"],
            minimum: try number("minimum"), maximum: try number("maximum"),
            exclusiveMinimum: try number("exclusiveMinimum"), exclusiveMaximum: try number("exclusiveMaximum"),
            minLength: try count("minLength"), maxLength: try count("maxLength"),
            minItems: try count("minItems"), maxItems: try count("maxItems"), pattern: pattern,
            allOf: try list("allOf"), anyOf: try list("anyOf"), oneOf: try list("oneOf"), not: try sub("not"), ref: ref)
    }

    /// Nil when `value` conforms; else the first violation, with where it is (`$.answer[2]`).
    func violation(_ value: JSONValue) -> String? {
        violation(value, root, at: "$", depth: 0)
    }

    private func violation(_ v: JSONValue, _ n: Node, at: String, depth: Int) -> String? {
        guard depth < Self.maxDepth else { return "\(at): nested deeper than \(Self.maxDepth) schema levels" }
        switch n.kind {
        case .always: return nil
        case .never: return "\(at): no value is allowed here"
        case .checks: break
        }
        if let r = n.ref, let target = defs[r], let bad = violation(v, target, at: at, depth: depth + 1) { return bad }
        if let types = n.types, !types.contains(where: { Self.isType(v, $0) }) {
            return "\(at): expected \(types.joined(separator: " or ")), got \(Self.typeName(v))"
        }
        if let e = n.enumValues, !e.contains(where: { Self.equal($0, v) }) { return "\(at): \(Self.short(v)) is not one of the allowed values" }
        if let c = n.constValue, !Self.equal(c, v) { return "\(at): \(Self.short(v)) is not \(Self.short(c))" }
        if let d = v.numberValue, !Self.isBool(v) {
            if let m = n.minimum, d < m { return "\(at): \(Self.short(v)) is below the minimum \(Self.short(.double(m)))" }
            if let m = n.maximum, d > m { return "\(at): \(Self.short(v)) is above the maximum \(Self.short(.double(m)))" }
            if let m = n.exclusiveMinimum, d <= m { return "\(at): \(Self.short(v)) is not above \(Self.short(.double(m)))" }
            if let m = n.exclusiveMaximum, d >= m { return "\(at): \(Self.short(v)) is not below \(Self.short(.double(m)))" }
        }
        if case .string(let s) = v {
            let length = s.unicodeScalars.count
            if let m = n.minLength, length < m { return "\(at): \(length) characters, fewer than \(m)" }
            if let m = n.maxLength, length > m { return "\(at): \(length) characters, more than \(m)" }
            if let p = n.pattern, !p.matches(s) { return "\(at): does not match the pattern \(p.source)" }
        }
        if case .array(let a) = v {
            if let m = n.minItems, a.count < m { return "\(at): \(a.count) items, fewer than \(m)" }
            if let m = n.maxItems, a.count > m { return "\(at): \(a.count) items, more than \(m)" }
            if let item = n.items {
                for (i, x) in a.enumerated() {
                    if let bad = violation(x, item, at: "\(at)[\(i)]", depth: depth + 1) { return bad }
                }
            }
        }
        if case .object(let members) = v {
            for r in n.required where !members.contains(where: { $0.key == r }) { return "\(at): the required property '\(r)' is missing" }
            for m in members {
                if let p = n.properties.first(where: { $0.0 == m.key }) {
                    if let bad = violation(m.value, p.1, at: "\(at).\(m.key)", depth: depth + 1) { return bad }
                } else if let extra = n.additional {
                    if extra.kind == .never { return "\(at): the property '\(m.key)' is not allowed" }
                    if let bad = violation(m.value, extra, at: "\(at).\(m.key)", depth: depth + 1) { return bad }
                }
            }
        }
        for s in n.allOf {
            if let bad = violation(v, s, at: at, depth: depth + 1) { return bad }
        }
        if !n.anyOf.isEmpty, !n.anyOf.contains(where: { violation(v, $0, at: at, depth: depth + 1) == nil }) {
            return "\(at): matches none of anyOf"
        }
        if !n.oneOf.isEmpty {
            let matching = n.oneOf.filter { violation(v, $0, at: at, depth: depth + 1) == nil }.count
            if matching != 1 { return "\(at): matches \(matching) of oneOf, not exactly one" }
        }
        if let not = n.not, violation(v, not, at: at, depth: depth + 1) == nil { return "\(at): matches a schema under not" }
        return nil
    }

    static func isBool(_ v: JSONValue) -> Bool {
        if case .bool = v { return true }
        return false
    }

    static func isType(_ v: JSONValue, _ t: String) -> Bool {
        switch (t, v) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): return true
        case ("number", .int), ("number", .double), ("integer", .int): return true
        case ("integer", .double(let d)): return d == d.rounded() && d.isFinite
        default: return false
        }
    }

    static func typeName(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// JSON equality: 1 and 1.0 are the same number; object key order does not matter.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int, .double), (.double, .int), (.int, .int), (.double, .double): return a.numberValue == b.numberValue
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { m in y.contains { $0.key == m.key && equal($0.value, m.value) } }
        default: return a == b
        }
    }

    static func short(_ v: JSONValue) -> String {
        let s = JSONWriter.serialize(v)
        return s.unicodeScalars.count > 40 ? String(s.prefix(37)) + "..." : s
    }
}
