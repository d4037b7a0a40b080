import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Python server from `scripts/` for a test, in a temporary directory of its own: started with its
/// stdout in a file (a pipe nobody reads after the first line could block it) and stderr in a log;
/// ready once it prints `listening PORT …`. `stop()` kills it (an embedded engine may hold on to
/// SIGTERM) and removes the directory.
public final class ScriptServer: @unchecked Sendable {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The fields of the `listening` line after the word itself (the port first).
    public let fields: [String]
    /// The server's own directory (its data may live there).
    public let directory: String
    private let process: Process

    /// - `arguments`: given the server's directory.
    /// - `what`: how to name the server when it does not start.
    public init(script: String, arguments: (_ directory: String) -> [String] = { _ in [] }, what: String, waitSeconds: Double = 30) async throws {
        directory = NSTemporaryDirectory() + "genai-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let out = directory + "/stdout", log = directory + "/log"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments =
            [
                "sh", "-c", "exec python3 \"$@\" > \"\(out)\" 2> \"\(log)\"", "sh",
                Self.root.appendingPathComponent("scripts/" + script).path,
            ] + arguments(directory)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        var line = ""
        let deadline = Date().addingTimeInterval(waitSeconds)
        while !line.hasSuffix("\n"), Date() < deadline, p.isRunning {
            try await Task.sleep(for: .milliseconds(50))
            line = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        }
        let words = line.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        guard words.first == "listening", words.count >= 2 else {
            let text = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "") + line
            kill(p.processIdentifier, SIGKILL)
            p.waitForExit()
            try? FileManager.default.removeItem(atPath: directory)
            throw StartFailure(description: "\(what) did not start (scripts/test.sh installs what it needs): \(text.suffix(2000))")
        }
        fields = Array(words.dropFirst())
        process = p
    }

    public var port: String { fields[0] }

    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitForExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
