import CollectorCore
@testable import Processors
import Testing

/// The byte scanner reads chat messages' text exactly as the parsed-document path does, for every
/// shape the text rules meet, escapes included, and refuses what is not messages.
@Suite struct MessageScanTests {
    static func scanned(_ json: String) -> String?? {
        var s = json
        return s.withUTF8 { MessageScan.text($0) }
    }

    /// The parsed-document path's answer: nil when not messages.
    static func parsed(_ json: String) -> String?? {
        guard let v = JSONParser.parseIfJSON(json), let m = EvaluationText.messages(v) else { return nil }
        return .some(EvaluationText.joined(m))
    }

    @Test func theSameTextAsTheParsedDocument() {
        let cases = [
            #"[{"role":"assistant","parts":[{"type":"text","content":"{\"answer\": 1}"}]}]"#,
            #"[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi there"},{"type":"image_url","image_url":{"url":"x"}}]}]"#,
            #"{"messages":[{"role":"user","content":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \n\t"}]}"#,
            #"{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}"#,
            #"[{"role":"assistant","parts":[{"type":"tool_call","id":"1","name":"get","arguments":{"city":"Paris"}}]}]"#,
            #"  [ {"content": "x", "role": "user", "extra": [1, 2.5e3, true, null, {"deep": [[]]}]} ]  "#,
            #"[{"role":"assistant","parts":[{"type":"reasoning","content":"hmm"},{"type":"text","content":"yes"}],"finish_reason":"stop"}]"#,
            #"{"answer": 42}"#, #"[1, 2]"#, #"[]"#, #"{"messages": "none"}"#, #"[{"role": 1, "content": "x"}]"#,
        ]
        for c in cases {
            let a = Self.scanned(c), b = Self.parsed(c)
            #expect(a == b, "\(c): \(String(describing: a)) vs \(String(describing: b))")
        }
        #expect(Self.scanned(#"[{"role":"user","content":"caf\u00e9 \ud83d\ude00"}]"#) == .some("café 😀"))
        #expect(Self.scanned(#"[{"role":"assistant","parts":[{"type":"tool_call","id":"1"}]}]"#) == .some(nil))
    }

    @Test func notJSONOrTooDeepIsNotMessages() {
        for c in [
            #"[{"role":"user","content":"x"}"#, #"[{"role":"user","content":"x\q"}]"#, "[" + String(repeating: "[", count: 40) + "]", #"{"role" "x"}"#, "[1,]x",
        ] {
            #expect(Self.scanned(c) == nil, "\(c)")
        }
    }
}
