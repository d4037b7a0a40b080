import CollectorCore

/// Checks an `Authorization` header against the configured bearer tokens and Basic credentials.
/// The scheme is matched case-insensitively (RFC 7235). Every configured credential is compared,
/// each in time that depends only on the lengths, so neither a token's bytes nor which entry
/// matched can be read from timings.
enum Credentials {
    /// Who a request's credentials say it is: a plain credential, or one bound to a tenant.
    enum Identity: Equatable, Sendable {
        case plain
        case tenant(String)

        var tenant: String? {
            if case .tenant(let id) = self { return id }
            return nil
        }
    }

    static func accepts(_ header: String?, _ auth: AuthConfig) -> Bool { identify(header, auth) != nil }

    /// The identity the header proves, or nil (refused).
    static func identify(_ header: String?, _ auth: AuthConfig) -> Identity? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let scheme = parts[0].lowercased()
        let credentials = parts[1].trimmingCharacters(in: " ")
        var matched: Identity?
        func check(_ expected: [UInt8], _ given: [UInt8], _ identity: Identity) {
            // Every entry is compared, a match or not: which one matched does not show in time.
            if constantTimeEqual(expected, given) { matched = identity }
        }
        switch scheme {
        case "bearer":
            let token = Array(credentials.utf8)
            for t in auth.bearerTokens { check(Array(t.utf8), token, .plain) }
            for tenant in auth.tenants {
                for t in tenant.bearerTokens { check(Array(t.utf8), token, .tenant(tenant.id)) }
            }
        case "basic":
            guard let decoded = Base64.decode(credentials) else { return nil }
            for b in auth.basic { check(Array("\(b.username):\(b.password)".utf8), decoded, .plain) }
            for tenant in auth.tenants {
                for b in tenant.basic { check(Array("\(b.username):\(b.password)".utf8), decoded, .tenant(tenant.id)) }
            }
        default:
            return nil
        }
        return matched
    }

    /// The one value of a header given once; nil when absent or repeated.
    static func single(_ values: [String]) -> String? {
        values.count == 1 ? values[0] : nil
    }

    /// Compares every byte of the longer input whatever the contents; only the lengths show in time.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let n = max(a.count, b.count)
        var diff: UInt8 = a.count == b.count ? 0 : 1
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            diff |= x ^ y
        }
        return diff == 0
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
