import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Langfuse's ingestion contract for a test (`scripts/langfuse_contract_server.py` on a free port,
/// keys `pk-lf-test` / `sk-lf-test`), stopped by `stop()`.
public final class LangfuseTestServer: @unchecked Sendable {
    public let url: String
    public let publicKey = "pk-lf-test"
    public let secretKey = "sk-lf-test"
    private let process: Process
    private let dir: String

    public init() throws {
        let dir = NSTemporaryDirectory() + "genai-langfuse-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let portFile = dir + "/port"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sh", "-c", "exec python3 \"$0\" > \"$1\" 2> \"$2\"",
                       ClickHouseTestServer.root.appendingPathComponent("scripts/langfuse_contract_server.py").path, portFile, dir + "/log"]
        p.standardInput = FileHandle.nullDevice
        try p.run()
        var line = ""
        for _ in 0..<400 where !line.hasSuffix("\n") {
            line = (try? String(contentsOfFile: portFile, encoding: .utf8)) ?? ""
            if !line.hasSuffix("\n") { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard line.hasPrefix("listening ") else {
            let log = (try? String(contentsOfFile: dir + "/log", encoding: .utf8)) ?? ""
            kill(p.processIdentifier, SIGKILL)
            throw ClickHouseTestServer.StartFailure(description: "the Langfuse contract server did not start (scripts/test.sh installs its packages): \(log.suffix(2000))")
        }
        url = "http://127.0.0.1:\(line.dropFirst(10).trimmingCharacters(in: .whitespacesAndNewlines))"
        process = p
        self.dir = dir
    }

    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: dir)
    }
}
