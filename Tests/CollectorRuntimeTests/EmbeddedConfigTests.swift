import CollectorCore
import CollectorRuntime
import Foundation
import Testing

@Suite(.timeLimit(.minutes(5)))
struct EmbeddedConfigTests {
    @Test func theEmbeddedDefaultIsPipelinesLocalYAML() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("pipelines/local.yaml")
        #expect(try String(contentsOf: file, encoding: .utf8) == EmbeddedConfig.local)
        let config = try CollectorConfig(try ConfigLoader().load(["yaml:" + EmbeddedConfig.local]))
        #expect(config.pipelines.map(\.signal).sorted() == [.traces, .logs, .metrics])
    }
}
