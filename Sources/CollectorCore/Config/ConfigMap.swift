/// Decodes one mapping of a config, key by key. Every key read is marked; `finish()` turns any key
/// left unread into an "unknown key" error, so a typo is never silently ignored.
public struct ConfigMap: Sendable {
    public let path: String
    public let entries: [ConfigEntry]
    private var used: Set<String> = []

    public init(_ node: ConfigNode, path: String) throws(ConfigError) {
        switch node {
        case .mapping(let entries): self.entries = entries
        case .null: self.entries = []  // `batch:` with nothing under it means "all defaults"
        default: throw ConfigError(path, "expected a map, got \(node.kindName)")
        }
        self.path = path
    }

    public func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public var keys: [String] { entries.map(\.key) }

    public mutating func node(_ key: String) -> ConfigNode? {
        used.insert(key)
        return entries.last(where: { $0.key == key })?.value
    }

    public func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    public mutating func string(_ key: String) throws(ConfigError) -> String? {
        switch node(key) {
        case nil, .null?: return nil
        case .scalar(let s, _)?: return s
        case let other?: throw ConfigError(childPath(key), "expected a string, got \(other.kindName)")
        }
    }

    public mutating func string(_ key: String, default value: String) throws(ConfigError) -> String {
        try string(key) ?? value
    }

    public mutating func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let s = try string(key), !s.isEmpty else { throw ConfigError(childPath(key), "is required") }
        return s
    }

    public mutating func bool(_ key: String, default value: Bool) throws(ConfigError) -> Bool {
        guard let s = try string(key) else { return value }
        switch s {
        case "true": return true
        case "false": return false
        default: throw ConfigError(childPath(key), "expected true or false, got '\(s)'")
        }
    }

    public mutating func int(_ key: String, default value: Int, range: ClosedRange<Int> = 0...Int.max) throws(ConfigError) -> Int {
        guard let s = try string(key) else { return value }
        guard let n = Int(s.replacingUnderscores) else { throw ConfigError(childPath(key), "expected an integer, got '\(s)'") }
        guard range.contains(n) else { throw ConfigError(childPath(key), "\(n) is outside \(range.lowerBound)...\(range.upperBound)") }
        return n
    }

    public mutating func double(_ key: String, default value: Double) throws(ConfigError) -> Double {
        guard let s = try string(key) else { return value }
        guard let d = Double(s), d.isFinite else { throw ConfigError(childPath(key), "expected a number, got '\(s)'") }
        return d
    }

    /// `"5s"`, `"200ms"`, `"1m30s"`, `"2h"`.
    public mutating func duration(_ key: String, default value: Duration) throws(ConfigError) -> Duration {
        guard let s = try string(key) else { return value }
        guard let d = ConfigDuration.parse(s) else {
            throw ConfigError(childPath(key), "expected a duration such as \"5s\" or \"200ms\", got '\(s)'")
        }
        return d
    }

    /// One of a fixed set of words.
    public mutating func choice(_ key: String, _ allowed: [String], default value: String) throws(ConfigError) -> String {
        guard let s = try string(key) else { return value }
        guard allowed.contains(s) else {
            throw ConfigError(childPath(key), "'\(s)' is not one of \(allowed.joined(separator: ", "))")
        }
        return s
    }

    /// One of an enum's raw values, as the enum: no string comparisons, no force-unwrapped `rawValue:`.
    public mutating func choice<E: RawRepresentable & CaseIterable>(_ key: String, default value: E) throws(ConfigError) -> E
    where E.RawValue == String {
        let s = try choice(key, E.allCases.map(\.rawValue), default: value.rawValue)
        return E.allCases.first { $0.rawValue == s } ?? value  // always found: `choice` allows no other
    }

    public mutating func strings(_ key: String) throws(ConfigError) -> [String] {
        switch node(key) {
        case nil, .null?: return []
        case .sequence(let items)?:
            var out: [String] = []
            for (i, item) in items.enumerated() {
                guard case .scalar(let s, _) = item else {
                    throw ConfigError("\(childPath(key))[\(i)]", "expected a string, got \(item.kindName)")
                }
                out.append(s)
            }
            return out
        case let other?: throw ConfigError(childPath(key), "expected a list, got \(other.kindName)")
        }
    }

    public mutating func map(_ key: String) throws(ConfigError) -> ConfigMap? {
        guard let n = node(key) else { return nil }
        return try ConfigMap(n, path: childPath(key))
    }

    /// A nested map, or an empty one (all defaults) when the key is absent.
    public mutating func mapOrEmpty(_ key: String) throws(ConfigError) -> ConfigMap {
        if let m = try map(key) { return m }
        return try ConfigMap(.null, path: childPath(key))
    }

    /// A list of maps, each decoded by `body`.
    public mutating func list<T>(_ key: String, _ body: (inout ConfigMap) throws(ConfigError) -> T) throws(ConfigError) -> [T] {
        switch node(key) {
        case nil, .null?: return []
        case .sequence(let items)?:
            var out: [T] = []
            for (i, item) in items.enumerated() {
                var m = try ConfigMap(item, path: "\(childPath(key))[\(i)]")
                out.append(try body(&m))
                try m.finish()
            }
            return out
        case let other?: throw ConfigError(childPath(key), "expected a list, got \(other.kindName)")
        }
    }

    /// Fails on the first key that nothing read.
    public func finish() throws(ConfigError) {
        if let unknown = entries.first(where: { !used.contains($0.key) }) {
            throw ConfigError(childPath(unknown.key), "unknown key")
        }
    }
}

extension String {
    /// YAML-style digit grouping: `16_777_216`.
    var replacingUnderscores: String { filter { $0 != "_" } }
}

public enum ConfigDuration {
    /// Go-style durations as the OpenTelemetry Collector writes them: one or more `<number><unit>`
    /// with units ns, us, ms, s, m, h.
    public static func parse(_ text: String) -> Duration? {
        var rest = Substring(text)
        var total = Duration.zero
        guard !rest.isEmpty else { return nil }
        if text == "0" { return .zero }  // as Go writes a zero duration
        while !rest.isEmpty {
            let number = rest.prefix(while: { $0.isNumber || $0 == "." })
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix(while: { $0.isLetter })
            rest = rest.dropFirst(unit.count)
            let seconds: Double
            switch unit {
            case "ns": seconds = 1e-9
            case "us", "µs": seconds = 1e-6
            case "ms": seconds = 1e-3
            case "s": seconds = 1
            case "m": seconds = 60
            case "h": seconds = 3600
            default: return nil
            }
            // Beyond about 292 years (Int64 nanoseconds) the value is not a duration but a typo.
            guard let nanos = Int64(exactly: (value * seconds * 1e9).rounded()) else { return nil }
            total += .nanoseconds(nanos)
        }
        return total
    }
}

/// A component id, `type[/name]`.
public struct ComponentID: Hashable, Sendable, CustomStringConvertible {
    public var type: String
    public var name: String?

    public init(parsing text: String, path: String) throws(ConfigError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let type = String(parts[0])
        guard !type.isEmpty, type.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ConfigError(path, "'\(text)' is not a component id (type or type/name, type in [a-z0-9_])")
        }
        if parts.count == 2, parts[1].isEmpty { throw ConfigError(path, "'\(text)' has an empty name after '/'") }
        self.type = type
        self.name = parts.count == 2 ? String(parts[1]) : nil
    }

    /// An id known to be well formed (built in code, not read from a config).
    public init(type: String, name: String? = nil) {
        self.type = type
        self.name = name
    }

    public var description: String { name.map { "\(type)/\($0)" } ?? type }
}
