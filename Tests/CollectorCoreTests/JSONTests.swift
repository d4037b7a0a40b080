import Foundation
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

    /// The escaper works on words, pairs of words and 4 KiB chunks; a byte-at-a-time reference must
    /// agree for escapes at every offset within a word, across the chunk boundary, and at the ends.
    @Test func escapingAgreesWithAByteAtATimeReference() {
        func reference(_ input: [UInt8]) -> [UInt8] {
            var out: [UInt8] = [0x22]
            for c in input {
                switch c {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x0A: out += Array("\\n".utf8)
                case 0x0D: out += Array("\\r".utf8)
                case 0x09: out += Array("\\t".utf8)
                case 0x08: out += Array("\\b".utf8)
                case 0x0C: out += Array("\\f".utf8)
                case 0..<0x20: out += Array(String(format: "\\u%04x", c).utf8)
                default: out.append(c)
                }
            }
            return out + [0x22]
        }
        var rng = SplitMix(seed: 11)
        let alphabet: [UInt8] = [0x00, 0x01, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x1F, 0x20, 0x22, 0x5C, 0x41, 0x7A, 0x7F, 0xC3, 0xA9, 0xFF]
        var cases: [[UInt8]] = (0..<40).map { Array(repeating: UInt8(ascii: "a"), count: $0) }
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 159, 160, 161, 167, 320, 2049, 4095, 4096, 4097, 4111, 8200] {
            for _ in 0..<20 {
                var text = [UInt8](repeating: UInt8(ascii: "x"), count: length)
                for _ in 0..<(rng.next() % 6) where length > 0 { text[Int(rng.next() % UInt64(length))] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                cases.append(text)
            }
            cases.append((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        }
        var mismatches = 0
        for text in cases {
            var w = JSONWriter()
            text.withUnsafeBufferPointer { w.writeStringBytes($0) }
            if w.bytes != reference(text) { mismatches += 1 }
        }
        #expect(mismatches == 0, "\(mismatches) of \(cases.count)")
        #expect(cases.count > 250)
    }

    @Test func numbersIdsAndTimesAreWrittenInPlace() {
        var w = JSONWriter()
        w.writeInt(.min); w.raw(" " as StaticString); w.writeInt(0); w.raw(" " as StaticString); w.writeUInt(.max)
        w.raw(" " as StaticString); w.writeDecimal(1_716_000_000_005, places: 3); w.raw(" " as StaticString); w.writeDecimal(7, places: 6)
        w.raw(" " as StaticString); w.writeHexString(0xAB, 0x1); w.raw(" " as StaticString); w.writeHexString(0xF)
        w.raw(" " as StaticString); w.writeUUID(0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210)
        w.raw(" " as StaticString); w.writeISO8601(millis: 1_764_433_350_123)
        #expect(
            String(decoding: w.bytes, as: UTF8.self)
                == "-9223372036854775808 0 18446744073709551615 1716000000.005 0.000007 \"00000000000000ab0000000000000001\" \"000000000000000f\" \"01234567-89ab-cdef-fedc-ba9876543210\" \"2025-11-29T16:22:30.123Z\""
        )
    }
}

/// A seeded generator, so a failure can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
