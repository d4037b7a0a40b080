import Foundation

/// A ClickHouse endpoint for a test: chDB behind `scripts/chdb_http_front.py` (started on a free
/// port, stopped by `stop()`), or the real server named by `CLICKHOUSE_URL` (with `CLICKHOUSE_USER`
/// and `CLICKHOUSE_PASSWORD`) when that is set. With `faults: true` a real server is reached through
/// the same front in forwarding mode, so failures can be injected (`/fail`) against either.
public final class ClickHouseTestServer: Sendable {
    public let url: String
    public let user: String
    public let password: String
    /// Whether `/fail` on `url` injects failures (false only for a real server without `faults`).
    public let injectsFaults: Bool
    private let server: ScriptServer?

    public init(faults: Bool = false) async throws {
        let env = ProcessInfo.processInfo.environment
        if let url = env["CLICKHOUSE_URL"], !url.isEmpty {
            user = env["CLICKHOUSE_USER"] ?? "default"
            password = env["CLICKHOUSE_PASSWORD"] ?? ""
            guard faults else {
                self.url = url
                injectsFaults = false
                server = nil
                return
            }
            let front = try await ScriptServer(
                script: "chdb_http_front.py", arguments: { _ in ["--upstream", url, "--port", "0"] },
                what: "the fault-injecting front for \(url)", waitSeconds: 15)
            self.url = "http://127.0.0.1:\(front.port)"
            injectsFaults = true
            server = front
            return
        }
        injectsFaults = true
        let server = try await ScriptServer(
            script: "chdb_http_front.py", arguments: { dir in ["--dir", dir, "--port", "0", "--user", "collector", "--password", "s3cret"] },
            what: "the chDB front (chdb-core)", waitSeconds: 15)
        url = "http://127.0.0.1:\(server.port)"
        user = "collector"
        password = "s3cret"
        self.server = server
    }

    public func stop() { server?.stop() }
}
