import Foundation

/// A ClickHouse endpoint for a test: chDB behind `scripts/chdb_http_front.py` (started on a free
/// port, stopped by `stop()`), or the real server named by `CLICKHOUSE_URL` (with `CLICKHOUSE_USER`
/// and `CLICKHOUSE_PASSWORD`) when that is set.
public final class ClickHouseTestServer: Sendable {
    public let url: String
    public let user: String
    public let password: String
    private let server: ScriptServer?

    public init() throws {
        let env = ProcessInfo.processInfo.environment
        if let url = env["CLICKHOUSE_URL"], !url.isEmpty {
            self.url = url
            user = env["CLICKHOUSE_USER"] ?? "default"
            password = env["CLICKHOUSE_PASSWORD"] ?? ""
            server = nil
            return
        }
        let server = try ScriptServer(script: "chdb_http_front.py", arguments: { dir in ["--dir", dir, "--port", "0", "--user", "collector", "--password", "s3cret"] },
                                      what: "the chDB front (chdb-core)", waitSeconds: 15)
        url = "http://127.0.0.1:\(server.port)"
        user = "collector"
        password = "s3cret"
        self.server = server
    }

    public func stop() { server?.stop() }
}
