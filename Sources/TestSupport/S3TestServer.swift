/// An S3-compatible server for a test: moto with signature checks on (`scripts/s3_test_server.py`,
/// on a free port, with an IAM user's key, an empty bucket and an assumed role's temporary
/// credentials), stopped by `stop()`.
public final class S3TestServer: Sendable {
    public let endpoint: String
    public let accessKeyID: String
    public let secretAccessKey: String
    public let bucket: String
    /// STS credentials: valid only together with their session token.
    public let temporaryKeyID: String
    public let temporarySecret: String
    public let sessionToken: String
    private let server: ScriptServer

    public init() async throws {
        server = try await ScriptServer(script: "s3_test_server.py", what: "the S3 test server (moto)")
        guard server.fields.count == 7 else {
            server.stop()
            throw ScriptServer.StartFailure(description: "the S3 test server said: \(server.fields)")
        }
        endpoint = "http://127.0.0.1:\(server.port)"
        (accessKeyID, secretAccessKey, bucket) = (server.fields[1], server.fields[2], server.fields[3])
        (temporaryKeyID, temporarySecret, sessionToken) = (server.fields[4], server.fields[5], server.fields[6])
    }

    public func stop() { server.stop() }
}
