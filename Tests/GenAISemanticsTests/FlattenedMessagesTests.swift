import CollectorCore
@testable import GenAISemantics
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(5)))
struct FlattenedMessagesTests {
    func json(_ text: String) -> JSONValue { try! JSONParser().parse(text) }

    func rebuild(_ pairs: [(String, JSONValue)]) -> JSONValue? {
        FlattenedMessages.rebuild(pairs.map { (suffix: $0.0, value: $0.1) })
    }

    @Test func nestedListsAndObjects() {
        let v = rebuild([
            ("0.role", .string("assistant")), ("0.tool_calls.0.function.name", .string("f")),
            ("0.tool_calls.0.function.arguments", .string("{}")), ("1.role", .string("user")),
        ])
        #expect(v == json(#"[{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":"{}"}}]},{"role":"user"}]"#))
    }

    @Test func sparseIndicesLeaveNulls() {
        #expect(rebuild([("2.content", .string("x"))]) == json(#"[null,null,{"content":"x"}]"#))
    }

    @Test func objectWhenNoNumericSegment() {
        #expect(rebuild([("role", .string("user"))]) == json(#"{"role":"user"}"#))
    }

    /// Output stays linear in the keys present: a far index is written compactly, not as nulls.
    @Test func sparseIndicesAreWrittenCompactlyAndNoted() {
        var notes = TranslationNotes()
        let far = FlattenedMessages.rebuild([("10000.content", .string("x")), ("3.content", .string("y"))], notes: &notes)
        #expect(far == json(#"[{"content":"y"},{"content":"x"}]"#))
        #expect(notes[.flattenedIndexSparse] == 1)
        let huge = FlattenedMessages.rebuild([("9223372036854775807.content", .string("x")), ("999999999999999999.a", .string("y"))], notes: &notes)
        #expect(huge == json(#"{"999999999999999999":{"a":"y"},"9223372036854775807":{"content":"x"}}"#))
        // Within the dense bound, holes stay null as Langfuse writes them.
        #expect(rebuild([("17.content", .string("x"))])?.arrayValue?.count == 18)
        #expect(rebuild([("18.content", .string("x"))]) == json(#"[{"content":"x"}]"#))
    }

    @Test(.timeLimit(.minutes(1)))
    func manyKeysRebuildInLinearTime() async throws {
        // 100k distinct indices: a linear child lookup would take minutes. Off the test pool.
        let count = try await offPool { () -> Int? in
            let entries = (0..<100_000).map { (suffix: "\($0).message.content", value: JSONValue.string("m")) }
            return FlattenedMessages.rebuild(entries)?.arrayValue?.count
        }
        #expect(count == 100_000)
    }

    @Test func nonCanonicalIndicesAreKeys() {
        #expect(rebuild([("01.a", .string("x")), ("1.a", .string("y"))]) == json(#"{"0":null,"1":{"a":"y"},"01":{"a":"x"}}"#))
    }

    @Test func prototypeSegmentsAreIgnored() {
        #expect(rebuild([("0.__proto__.x", .string("x")), ("0.role", .string("u"))]) == json(#"[{"role":"u"}]"#))
    }
}
