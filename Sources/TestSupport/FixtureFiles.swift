import Foundation

/// The captured OTLP requests under Tests/Fixtures (copied from real clients).
public enum FixtureFiles {
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures")

    public static let captures = ["langfuse_sdk_observe_generation", "openinference_openai_3chats", "traceloop_openai_workflow"]

    public static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }
}
