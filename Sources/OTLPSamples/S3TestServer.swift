import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An S3-compatible server for a test: moto with signature checks on (`scripts/s3_test_server.py`,
/// on a free port, with an IAM user's key and an empty bucket), stopped by `stop()`.
public final class S3TestServer: @unchecked Sendable {
    public let endpoint: String
    public let accessKeyID: String
    public let secretAccessKey: String
    public let bucket: String
    private let process: Process
    private let dir: String

    public init() throws {
        let dir = NSTemporaryDirectory() + "genai-s3-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let portFile = dir + "/port"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sh", "-c", "exec python3 \"$0\" > \"$1\" 2> \"$2\"",
                       ClickHouseTestServer.root.appendingPathComponent("scripts/s3_test_server.py").path, portFile, dir + "/log"]
        p.standardInput = FileHandle.nullDevice
        try p.run()
        var line = ""
        for _ in 0..<600 where !line.hasSuffix("\n") {
            line = (try? String(contentsOfFile: portFile, encoding: .utf8)) ?? ""
            if !line.hasSuffix("\n") { Thread.sleep(forTimeInterval: 0.05) }
        }
        let fields = line.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        guard fields.count == 5, fields[0] == "listening" else {
            let log = (try? String(contentsOfFile: dir + "/log", encoding: .utf8)) ?? ""
            kill(p.processIdentifier, SIGKILL)
            throw ClickHouseTestServer.StartFailure(description: "the S3 test server did not start (is moto installed? scripts/test.sh installs it): \(log.suffix(2000))")
        }
        endpoint = "http://127.0.0.1:\(fields[1])"
        accessKeyID = fields[2]
        secretAccessKey = fields[3]
        bucket = fields[4]
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
