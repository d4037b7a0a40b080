/// A parsed configuration document, independent of the YAML library that produced it.
public indirect enum ConfigNode: Sendable, Equatable {
    /// A scalar's text; `quoted` is true when the document quoted it (so `"true"` stays a string).
    case scalar(String, quoted: Bool)
    case sequence([ConfigNode])
    case mapping([ConfigEntry])
    case null

    public var kindName: String {
        switch self {
        case .scalar: return "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a map"
        case .null: return "null"
        }
    }

    /// Later documents win: maps merge key by key, anything else is replaced.
    public func merged(with other: ConfigNode) -> ConfigNode {
        guard case .mapping(let mine) = self, case .mapping(let theirs) = other else { return other }
        var out = mine
        for entry in theirs {
            if let i = out.firstIndex(where: { $0.key == entry.key }) {
                out[i].value = out[i].value.merged(with: entry.value)
            } else {
                out.append(entry)
            }
        }
        return .mapping(out)
    }
}

public struct ConfigEntry: Sendable, Equatable {
    public var key: String
    public var value: ConfigNode

    public init(_ key: String, _ value: ConfigNode) {
        self.key = key
        self.value = value
    }
}

/// A configuration mistake: the dotted path of the key and what is wrong with it.
/// Never retryable: the same config fails the same way.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Several mistakes at once, so `validate` can list them all.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]

    public init(_ errors: [ConfigError]) {
        self.errors = errors
    }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
