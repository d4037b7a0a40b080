import CollectorCore
import Testing

@Suite(.timeLimit(.minutes(5)))
struct JSONParserTests {
    @Test func parsesEveryKind() throws {
        let v = try JSONParser().parse(#" {"a":[1,-2.5e3,true,false,null,"x\n\u00e9\ud83c\udf89"],"b":{},"c":-0} "#)
        #expect(v["a"] == .array([.int(1), .double(-2500), .bool(true), .bool(false), .null, .string("x\né🎉")]))
        #expect(v["b"] == .object([]))
        #expect(v["c"]?.numberValue == 0)
    }

    @Test func keepsMemberOrderAndLastDuplicateWins() throws {
        let v = try JSONParser().parse(#"{"z":1,"a":2,"z":3}"#)
        #expect(v.objectValue?.map(\.key) == ["z", "a", "z"])
        #expect(v["z"] == .int(3))
    }

    @Test(arguments: [
        ("", JSONError.Reason.unexpectedEnd), ("{", .unexpectedEnd), ("[1,]", .unexpectedCharacter), ("01", .trailingData),
        ("\"\\x\"", .invalidEscape), ("\"a\u{01}\"", .controlCharacter), ("\"\\ud800\"", .invalidEscape), ("1.", .invalidNumber),
        ("tru", .unexpectedEnd), ("[1] 2", .trailingData),
    ])
    func refusesMalformedText(_ text: String, _ reason: JSONError.Reason) {
        #expect(throws: JSONError.self) { try JSONParser().parse(text) }
        do { _ = try JSONParser().parse(text) } catch { #expect(error.reason == reason) }
    }

    @Test func invalidUTF8InAStringIsRefused() {
        #expect(throws: JSONError(reason: .invalidUTF8, offset: 1)) { try JSONParser().parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: JSONError.self) { try JSONParser(maxDepth: 128).parse(deep) }
        #expect(throws: Never.self) { try JSONParser(maxDepth: 256).parse(deep) }
    }
}

@Suite(.timeLimit(.minutes(5)))
struct JSONWriterTests {
    @Test(arguments: [
        (1.0, "1"), (0.1, "0.1"), (1e-7, "1e-7"), (1e21, "1e+21"), (-0.0, "-0"), (123456.789, "123456.789"),
        (Double.nan, "null"),
    ])
    func numbersPrintAsJavaScriptDoes(_ d: Double, _ text: String) {
        #expect(JSONWriter.javaScriptNumber(d) == text)
    }

    @Test func escapesAndRoundTrips() throws {
        let v = JSONValue.object([JSONMember("k\"\\", .array([.string("line\nbreak\t\u{01}é"), .int(-5), .null]))])
        let text = JSONWriter.serialize(v)
        #expect(text == #"{"k\"\\":["line\nbreak\t\u0001é",-5,null]}"#)
        #expect(try JSONParser().parse(text) == v)
        #expect(try JSONParser().parse(JSONWriter.pretty(v)) == v)
    }
}
