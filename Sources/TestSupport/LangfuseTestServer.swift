/// Langfuse's ingestion contract for a test (`scripts/langfuse_contract_server.py` on a free port,
/// keys `pk-lf-test` / `sk-lf-test`), stopped by `stop()`.
public final class LangfuseTestServer: Sendable {
    public let url: String
    public let publicKey = "pk-lf-test"
    public let secretKey = "sk-lf-test"
    private let server: ScriptServer

    public init() async throws {
        server = try await ScriptServer(script: "langfuse_contract_server.py", what: "the Langfuse contract server")
        url = "http://127.0.0.1:\(server.port)"
    }

    public func stop() { server.stop() }
}
