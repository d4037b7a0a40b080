import GenAISemantics
import Testing

@Suite(.timeLimit(.minutes(5)))
struct KeyTableTests {
    @Test func everyKeyClassifiesToItselfAndIsSpelledOnce() {
        let names = AttributeKey.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count)
        for (i, key) in AttributeKey.allCases.enumerated() {
            var text = key.rawValue
            let id = text.withUTF8 { KeyClassifier.shared.classify($0) }
            #expect(id == Int32(i), "\(key)")
        }
        var unknown = "not.a.known.key"
        #expect(unknown.withUTF8 { KeyClassifier.shared.classify($0) } == nil)
    }

    @Test func prefixFamilies() {
        var key = "gen_ai.usage.input_tokens"
        #expect(key.withUTF8 { KeyClassifier.shared.prefix($0) } == AttributeKeyPrefix.allCases.firstIndex(of: .genAIUsage))
        var bare = "gen_ai.usage."
        #expect(bare.withUTF8 { KeyClassifier.shared.prefix($0) } == nil)
    }

    @Test func theTableFitsTheCompactOrdinal() {
        // SpanIndex reads a case's ordinal as one byte.
        #expect(AttributeKey.allCases.count < 256 && AttributeKeyPrefix.allCases.count < 256)
    }
}
