/// A strict RFC 8259 parser with a nesting bound, so hostile input cannot exhaust the stack, and a
/// bound on the number of values, so it cannot exhaust memory: a value takes about 64 bytes as a
/// tree, 32 times the two bytes `0,` it can be written in.
public struct JSONParser {
    public static let defaultMaxDepth = 128
    /// About 64 MiB of tree at most.
    public static let defaultMaxValues = 1 << 20

    private let maxDepth: Int
    private let maxValues: Int

    public init(maxDepth: Int = JSONParser.defaultMaxDepth, maxValues: Int = JSONParser.defaultMaxValues) {
        self.maxDepth = maxDepth
        self.maxValues = maxValues
    }

    /// Bytes a parsed value takes as a tree, about: the box, its slot in the parent, a short key.
    public static let bytesPerValue = 64

    /// `reserve`, when given, is told the tree's estimated bytes so far every 4096 values; when it
    /// answers false parsing stops with `tooManyValues`.
    public func parse(_ bytes: [UInt8], reserve: ((Int) -> Bool)? = nil) throws(JSONError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buf) throws(JSONError) -> JSONValue in try parse(buffer: buf, reserve: reserve) }
    }

    /// Bytes in place (a value inside a batch's byte store), without copying them out first.
    public func parse(buffer buf: UnsafeBufferPointer<UInt8>, reserve: ((Int) -> Bool)? = nil) throws(JSONError) -> JSONValue {
        var cursor = Cursor(buf: buf, maxDepth: maxDepth, valuesLeft: maxValues)
        cursor.reserve = reserve
        cursor.skipSpace()
        let value = try cursor.value(depth: 0)
        cursor.skipSpace()
        guard cursor.i == buf.count else { throw JSONError(reason: .trailingData, offset: cursor.i) }
        return value
    }

    public func parse(_ text: String) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// What one JSON string literal (quotes included) stands for; nil when it is not exactly one.
    public static func decodeString(_ literal: UnsafeBufferPointer<UInt8>) -> String? {
        guard literal.first == UInt8(ascii: "\"") else { return nil }
        var cursor = Cursor(buf: literal, maxDepth: 1, valuesLeft: 1)
        guard let s = try? cursor.string(), cursor.i == literal.count else { return nil }
        return s
    }

    /// nil when the text is not JSON; used where Langfuse "parses if it can".
    public static func parseIfJSON(_ text: String) -> JSONValue? {
        try? JSONParser().parse(text)
    }
}

private struct Cursor {
    let buf: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var valuesLeft: Int
    var values = 0
    var reserve: ((Int) -> Bool)?
    var i = 0

    init(buf: UnsafeBufferPointer<UInt8>, maxDepth: Int, valuesLeft: Int) {
        self.buf = buf
        self.maxDepth = maxDepth
        self.valuesLeft = valuesLeft
    }

    mutating func skipSpace() {
        while i < buf.count {
            switch buf[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    func fail(_ r: JSONError.Reason) -> JSONError { JSONError(reason: r, offset: i) }

    mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        guard i < buf.count else { throw fail(.unexpectedEnd) }
        valuesLeft -= 1
        guard valuesLeft >= 0 else { throw fail(.tooManyValues) }
        values += 1
        if values & 4095 == 0, let reserve, !reserve(values * JSONParser.bytesPerValue) { throw fail(.tooManyValues) }
        switch buf[i] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        guard i + n <= buf.count else { throw fail(.unexpectedEnd) }
        for k in 0..<n where buf[i + k] != word.utf8Start[k] { throw fail(.unexpectedCharacter) }
        i += n
    }

    mutating func object(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maxDepth else { throw fail(.tooDeep) }
        i += 1
        var members: [JSONMember] = []
        skipSpace()
        if i < buf.count, buf[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipSpace()
            guard i < buf.count else { throw fail(.unexpectedEnd) }
            guard buf[i] == UInt8(ascii: "\"") else { throw fail(.unexpectedCharacter) }
            let key = try string()
            skipSpace()
            guard i < buf.count else { throw fail(.unexpectedEnd) }
            guard buf[i] == UInt8(ascii: ":") else { throw fail(.unexpectedCharacter) }
            i += 1
            skipSpace()
            members.append(JSONMember(key, try value(depth: depth)))
            skipSpace()
            guard i < buf.count else { throw fail(.unexpectedEnd) }
            if buf[i] == UInt8(ascii: ",") { i += 1; continue }
            if buf[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            throw fail(.unexpectedCharacter)
        }
    }

    mutating func array(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maxDepth else { throw fail(.tooDeep) }
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < buf.count, buf[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth))
            skipSpace()
            guard i < buf.count else { throw fail(.unexpectedEnd) }
            if buf[i] == UInt8(ascii: ",") { i += 1; continue }
            if buf[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw fail(.unexpectedCharacter)
        }
    }

    mutating func string() throws(JSONError) -> String {
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < buf.count {
            let c = buf[i]
            if c == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: buf[start..<i])
                guard UTF8Validation.isValid(raw.baseAddress ?? UnsafePointer(buf.baseAddress!), count: raw.count)
                else { throw JSONError(reason: .invalidUTF8, offset: start) }
                i += 1
                return String(decoding: raw, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail(.controlCharacter) }
            i += 1
        }
        var out = Array(buf[start..<i])
        while i < buf.count {
            let c = buf[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                guard UTF8Validation.isValid(out) else { throw JSONError(reason: .invalidUTF8, offset: start) }
                return String(decoding: out, as: UTF8.self)
            }
            if c < 0x20 { throw fail(.controlCharacter) }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < buf.count else { throw fail(.unexpectedEnd) }
            let e = buf[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard i + 1 < buf.count, buf[i] == UInt8(ascii: "\\"), buf[i + 1] == UInt8(ascii: "u")
                    else { throw fail(.invalidEscape) }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail(.invalidEscape) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail(.invalidEscape)
                }
                appendUTF8(scalar, to: &out)
            default: throw fail(.invalidEscape)
            }
        }
        throw fail(.unexpectedEnd)
    }

    mutating func hex4() throws(JSONError) -> UInt32 {
        guard i + 4 <= buf.count else { throw fail(.unexpectedEnd) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let n = Hex.nibble(buf[i]) else { throw fail(.invalidEscape) }
            v = v << 4 | UInt32(n)
            i += 1
        }
        return v
    }

    mutating func number() throws(JSONError) -> JSONValue {
        let start = i
        var isInteger = true
        if i < buf.count, buf[i] == UInt8(ascii: "-") { i += 1 }
        guard i < buf.count, isDigit(buf[i]) else { throw fail(i >= buf.count ? .unexpectedEnd : .unexpectedCharacter) }
        if buf[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < buf.count, isDigit(buf[i]) { i += 1 }
        }
        if i < buf.count, buf[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < buf.count, isDigit(buf[i]) else { throw fail(.invalidNumber) }
            while i < buf.count, isDigit(buf[i]) { i += 1 }
        }
        if i < buf.count, buf[i] == UInt8(ascii: "e") || buf[i] == UInt8(ascii: "E") {
            isInteger = false
            i += 1
            if i < buf.count, buf[i] == UInt8(ascii: "+") || buf[i] == UInt8(ascii: "-") { i += 1 }
            guard i < buf.count, isDigit(buf[i]) else { throw fail(.invalidNumber) }
            while i < buf.count, isDigit(buf[i]) { i += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<i]), as: UTF8.self)
        if isInteger, text != "-0", let v = Int64(text) { return .int(v) }
        guard let d = Double(text) else { throw JSONError(reason: .invalidNumber, offset: start) }
        return .double(d)
    }

    func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
}

func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
    switch scalar {
    case 0..<0x80: out.append(UInt8(scalar))
    case 0x80..<0x800:
        out.append(UInt8(0xC0 | scalar >> 6)); out.append(UInt8(0x80 | scalar & 0x3F))
    case 0x800..<0x10000:
        out.append(UInt8(0xE0 | scalar >> 12)); out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
        out.append(UInt8(0x80 | scalar & 0x3F))
    default:
        out.append(UInt8(0xF0 | scalar >> 18)); out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
        out.append(UInt8(0x80 | scalar >> 6 & 0x3F)); out.append(UInt8(0x80 | scalar & 0x3F))
    }
}
