import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A ClickHouse endpoint for a test: chDB behind `scripts/chdb_http_front.py` (started on a free
/// port, stopped by `stop()`), or the real server named by `CLICKHOUSE_URL` (with `CLICKHOUSE_USER`
/// and `CLICKHOUSE_PASSWORD`) when that is set.
public final class ClickHouseTestServer: @unchecked Sendable {
    public let url: String
    public let user: String
    public let password: String
    private let process: Process?
    private let dir: String?

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    public init() throws {
        let env = ProcessInfo.processInfo.environment
        if let url = env["CLICKHOUSE_URL"], !url.isEmpty {
            self.url = url
            user = env["CLICKHOUSE_USER"] ?? "default"
            password = env["CLICKHOUSE_PASSWORD"] ?? ""
            process = nil
            dir = nil
            return
        }
        let dir = NSTemporaryDirectory() + "genai-chdb-front-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // The port line goes to a file: a pipe that nobody reads after the first line could block it.
        let portFile = dir + "/port"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sh", "-c", "exec python3 \"$0\" --dir \"$1\" --port 0 --user collector --password s3cret > \"$2\" 2>&1",
                       Self.root.appendingPathComponent("scripts/chdb_http_front.py").path, dir, portFile]
        p.standardInput = FileHandle.nullDevice
        try p.run()
        var line = ""
        for _ in 0..<300 where !line.hasSuffix("\n") {
            line = (try? String(contentsOfFile: portFile, encoding: .utf8)) ?? ""
            if !line.hasSuffix("\n") { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard line.hasPrefix("listening ") else {
            kill(p.processIdentifier, SIGKILL)
            throw StartFailure(description: "the chDB front did not start (is chdb-core installed? scripts/test.sh installs it): \(line)")
        }
        url = "http://127.0.0.1:\(line.dropFirst(10).trimmingCharacters(in: .whitespacesAndNewlines))"
        user = "collector"
        password = "s3cret"
        process = p
        self.dir = dir
    }

    public func stop() {
        if let p = process, p.isRunning {
            kill(p.processIdentifier, SIGKILL)  // the embedded engine may hold on to SIGTERM
            p.waitUntilExit()
        }
        if let dir { try? FileManager.default.removeItem(atPath: dir) }
    }
}
