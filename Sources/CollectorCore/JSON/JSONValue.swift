/// A JSON document with object members in their original order (outputs must be deterministic).
public indirect enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: [JSONMember]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// A number as Double, for int and double alike.
    public var numberValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// JavaScript truthiness, which Langfuse's "first truthy" precedence rules use.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0 && !d.isNaN
        case .string(let s): return !s.isEmpty
        case .array, .object: return true
        }
    }
}

public struct JSONMember: Hashable, Sendable {
    public var key: String
    public var value: JSONValue

    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A key with a value, kept in insertion order in an array (JSON objects, record metadata).
public protocol KeyedMember {
    associatedtype Value
    var key: String { get }
    var value: Value { get set }
    init(_ key: String, _ value: Value)
}

extension JSONMember: KeyedMember {}

extension Array where Element: KeyedMember {
    /// Sets `key`, replacing an existing member in place (so order stays the first insertion's).
    @inlinable
    public mutating func set(_ key: String, _ value: Element.Value) {
        if let i = firstIndex(where: { $0.key == key }) {
            self[i].value = value
        } else {
            append(Element(key, value))
        }
    }

    /// `set` for each pair in order, in linear time: past a few members a key index is kept, so a
    /// document with 100k keys costs 100k hash probes, not 100k scans. Inlinable, so callers get a
    /// specialized copy (a generic call across modules pays for type metadata on every element).
    @inlinable
    public mutating func setAll<S: Sequence>(_ pairs: S) where S.Element == (String, Element.Value) {
        var index: [String: Int]?
        for (key, value) in pairs {
            if index == nil && count >= 16 {
                var built: [String: Int] = [:]
                built.reserveCapacity(count * 2)
                for (i, m) in enumerated() where built[m.key] == nil { built[m.key] = i }
                index = built
            }
            if index != nil {
                if let i = index![key] { self[i].value = value } else { index![key] = count; append(Element(key, value)) }
            } else {
                set(key, value)
            }
        }
    }

    /// The value of the last member with this key.
    @inlinable
    public func value(for key: String) -> Element.Value? {
        last(where: { $0.key == key })?.value
    }
}
