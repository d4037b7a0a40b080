import CollectorCore

/// Checks an `Authorization` header against the configured bearer tokens and Basic credentials,
/// comparing in constant time so a token cannot be guessed byte by byte from timings.
enum Credentials {
    static func accepts(_ header: String?, _ auth: AuthConfig) -> Bool {
        guard let header else { return false }
        if header.hasPrefix("Bearer ") {
            let token = Array(header.dropFirst(7).utf8)
            return auth.bearerTokens.contains { constantTimeEqual(Array($0.utf8), token) }
        }
        if header.hasPrefix("Basic "), let decoded = Base64.decode(String(header.dropFirst(6))) {
            return auth.basic.contains { constantTimeEqual(Array("\($0.username):\($0.password)".utf8), decoded) }
        }
        return false
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
