/// Why a JSON text was refused; `offset` is the byte position of the problem.
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case unexpectedEnd = "unexpected end of input"
        case unexpectedCharacter = "unexpected character"
        case invalidNumber = "invalid number"
        case invalidEscape = "invalid escape sequence"
        case invalidUTF8 = "invalid UTF-8"
        case controlCharacter = "unescaped control character in string"
        case tooDeep = "nesting too deep"
        case trailingData = "data after the JSON value"
        case tooManyValues = "too many values"
    }

    public var reason: Reason
    public var offset: Int

    public init(reason: Reason, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "JSON: \(reason.rawValue) at byte \(offset)" }
}
