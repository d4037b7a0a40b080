import CollectorCore
@testable import GenAIMapping
import Testing

struct FlattenedMessagesTests {
    func rebuild(_ pairs: [(String, JSONValue)]) -> JSONValue? {
        FlattenedMessages.rebuild(pairs.map { (suffix: $0.0, value: $0.1) })
    }

    @Test func nestedListsAndObjects() {
        let v = rebuild([("0.role", .string("assistant")), ("0.tool_calls.0.function.name", .string("f")),
                         ("0.tool_calls.0.function.arguments", .string("{}")), ("1.role", .string("user"))])
        #expect(v == json(#"[{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":"{}"}}]},{"role":"user"}]"#))
    }

    @Test func sparseIndicesLeaveNulls() {
        #expect(rebuild([("2.content", .string("x"))]) == json(#"[null,null,{"content":"x"}]"#))
    }

    @Test func objectWhenNoNumericSegment() {
        #expect(rebuild([("role", .string("user"))]) == json(#"{"role":"user"}"#))
    }

    @Test func slotCapDropsTheWholeKey() {
        #expect(rebuild([("10001.content", .string("x"))]) == nil)
        let v = rebuild([("10000.content", .string("x"))])
        #expect(v?.arrayValue?.count == 10_001)
        // The budget is shared by every list: a second big list no longer fits.
        let two = rebuild([("9000.a", .string("x")), ("0.b.5000", .string("y"))])
        #expect(two?.arrayValue?.count == 9001)
        #expect(two?.arrayValue?[0] == .null)
    }

    @Test func prototypeSegmentsAreIgnored() {
        #expect(rebuild([("0.__proto__.x", .string("x")), ("0.role", .string("u"))]) == json(#"[{"role":"u"}]"#))
    }
}
