import Synchronization
/// `host:port` as servers bind it (`localhost:4318`, `0.0.0.0:4317`, `[::1]:8888`).
public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String, path: String) throws(ConfigError) {
        guard let colon = text.lastIndex(of: ":") else {
            throw ConfigError(path, "'\(text)' is not host:port")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigError(path, "'\(text)' has no valid port (0-65535)")
        }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension ConfigMap {
    public mutating func endpoint(_ key: String, default value: String) throws(ConfigError) -> Endpoint {
        try Endpoint(parsing: try string(key, default: value), path: childPath(key))
    }

    /// A required http:// or https:// URL with a host (`what` names it in the error), without its
    /// trailing slashes: paths are appended to it.
    public mutating func baseURL(_ key: String, what: String) throws(ConfigError) -> String {
        var url = try requiredString(key)
        let rest = url.hasPrefix("https://") ? url.dropFirst(8) : url.hasPrefix("http://") ? url.dropFirst(7) : ""
        guard let host = rest.split(separator: "/", maxSplits: 1).first, !host.isEmpty else {
            throw ConfigError(childPath(key), "must be \(what): an http:// or https:// URL, got '\(url)'")
        }
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}

/// Accepted credentials for a receiver: bearer tokens and/or Basic user:password pairs, and
/// tenants, each with credentials of its own that bind a request to that tenant.
public struct AuthConfig: Sendable, Equatable {
    public var bearerTokens: [String]
    public var basic: [(username: String, password: String)]
    /// By id; a credential names at most one tenant.
    public var tenants: [Tenant]

    public struct Tenant: Sendable, Equatable {
        public var id: String
        public var bearerTokens: [String]
        public var basic: [(username: String, password: String)]

        public static func == (a: Tenant, b: Tenant) -> Bool {
            a.id == b.id && a.bearerTokens == b.bearerTokens && AuthConfig.same(a.basic, b.basic)
        }
    }

    static func same(_ a: [(username: String, password: String)], _ b: [(username: String, password: String)]) -> Bool {
        a.elementsEqual(b) { $0.username == $1.username && $0.password == $1.password }
    }

    public static func == (a: AuthConfig, b: AuthConfig) -> Bool {
        a.bearerTokens == b.bearerTokens && same(a.basic, b.basic) && a.tenants == b.tenants
    }

    public init(bearerTokens: [String] = [], basic: [(username: String, password: String)] = [], tenants: [Tenant] = []) {
        self.bearerTokens = bearerTokens
        self.basic = basic
        self.tenants = tenants
    }

    public init(_ map: inout ConfigMap) throws(ConfigError) {
        (bearerTokens, basic) = try Self.credentials(&map)
        tenants = []
        if let node = map.node("tenants") {
            let path = map.childPath("tenants")
            var list = try ConfigMap(try Self.tenantsNode(node, path: path), path: path)
            for entry in list.entries.sorted(by: { $0.key < $1.key }) {
                var m = try ConfigMap(list.node(entry.key) ?? .null, path: list.childPath(entry.key))
                let (tokens, basic) = try Self.credentials(&m)
                try m.finish()
                if tokens.isEmpty && basic.isEmpty { throw ConfigError(m.path, "give the tenant bearer_tokens and/or basic credentials") }
                tenants.append(Tenant(id: entry.key, bearerTokens: tokens, basic: basic))
            }
            try list.finish()
        }
        if bearerTokens.isEmpty && basic.isEmpty && tenants.isEmpty { throw ConfigError(map.path, "give bearer_tokens, basic credentials and/or tenants") }
        // One credential, one identity: a token shared by two tenants (or a tenant and the plain
        // list) would make which project a request lands in a matter of order.
        var seen: [String: String] = [:]
        let all =
            bearerTokens.map { ("bearer " + $0, "the plain credentials") } + basic.map { ("basic \($0.username):\($0.password)", "the plain credentials") }
            + tenants.flatMap { t in
                t.bearerTokens.map { ("bearer " + $0, "tenant \(t.id)") } + t.basic.map { ("basic \($0.username):\($0.password)", "tenant \(t.id)") }
            }
        for (credential, owner) in all {
            if let other = seen[credential], other != owner {
                throw ConfigError(map.path, "one credential is given to both \(other) and \(owner)")
            }
            seen[credential] = owner
        }
    }

    static func credentials(_ map: inout ConfigMap) throws(ConfigError) -> ([String], [(username: String, password: String)]) {
        let tokens = try map.strings("bearer_tokens")
        if tokens.contains(where: \.isEmpty) { throw ConfigError(map.childPath("bearer_tokens"), "tokens must not be empty") }
        let basic = try map.list("basic") { (m) throws(ConfigError) -> (username: String, password: String) in
            (try m.requiredString("username"), try m.requiredString("password"))
        }
        return (tokens, basic)
    }

    /// `tenants` is a map, or a string holding one as JSON: normally `${file:...}`, a mounted secret,
    /// which a change reloads.
    static func tenantsNode(_ node: ConfigNode, path: String) throws(ConfigError) -> ConfigNode {
        guard case .scalar(let text, _) = node else { return node }
        let json: JSONValue
        do {
            json = try JSONParser().parse(text)
        } catch {
            throw ConfigError(path, "expected a map of tenants, or a JSON object of them (from a file): \(error)")
        }
        return json.configNode
    }
}

extension JSONValue {
    /// The same tree as config nodes (numbers and booleans as plain scalars, strings quoted).
    var configNode: ConfigNode {
        switch self {
        case .null: return .null
        case .bool(let b): return .scalar(b ? "true" : "false", quoted: false)
        case .int(let i): return .scalar(String(i), quoted: false)
        case .double(let d): return .scalar(String(d), quoted: false)
        case .string(let s): return .scalar(s, quoted: true)
        case .array(let a): return .sequence(a.map(\.configNode))
        case .object(let members): return .mapping(members.map { ConfigEntry($0.key, $0.value.configNode) })
        }
    }
}

/// A server certificate and key (PEM files, read when the server starts) and the oldest TLS
/// version offered (`min_version`: `"1.2"`, the default, or `"1.3"`; older ones are never offered).
public struct TLSConfig: Sendable, Equatable {
    public enum Version: String, Sendable, CaseIterable { case tls12 = "1.2", tls13 = "1.3" }

    public var certFile: String
    public var keyFile: String
    public var minVersion: Version

    public init(certFile: String, keyFile: String, minVersion: Version = .tls12) {
        self.certFile = certFile
        self.keyFile = keyFile
        self.minVersion = minVersion
    }

    public init(_ map: inout ConfigMap) throws(ConfigError) {
        certFile = try map.requiredString("cert_file")
        keyFile = try map.requiredString("key_file")
        minVersion = try map.choice("min_version", default: Version.tls12)
    }
}

/// How an exporter checks the server it sends to (PEM files, read when the exporter starts).
public struct TLSClientConfig: Sendable, Equatable {
    /// Extra roots to trust instead of the system's (a private CA).
    public var caFile: String?
    /// A client certificate and key, for servers that require mutual TLS.
    public var certFile: String?
    public var keyFile: String?
    /// Skips certificate and host-name checks (test set-ups only; logged as a warning).
    public var insecureSkipVerify: Bool

    /// The system's roots, full checks.
    public init() {
        insecureSkipVerify = false
    }

    public var isDefault: Bool { self == TLSClientConfig() }

    public init(_ map: inout ConfigMap) throws(ConfigError) {
        caFile = try map.string("ca_file")
        certFile = try map.string("cert_file")
        keyFile = try map.string("key_file")
        insecureSkipVerify = try map.bool("insecure_skip_verify", default: false)
        if (certFile == nil) != (keyFile == nil) {
            throw ConfigError(map.childPath(certFile == nil ? "cert_file" : "key_file"), "cert_file and key_file go together")
        }
        try map.finish()
    }

    /// The files the exporter reads at start-up, by config key.
    public var files: [(key: String, path: String)] {
        [("ca_file", caFile), ("cert_file", certFile), ("key_file", keyFile)].compactMap { k, v in v.map { (k, $0) } }
    }
}

extension ConfigMap {
    /// The optional `auth` block of a server (receivers, the health and metrics endpoints).
    public mutating func auth() throws(ConfigError) -> AuthConfig? {
        guard var m = try map("auth") else { return nil }
        let auth = try AuthConfig(&m)
        try m.finish()
        return auth
    }

    /// The optional `tls` block of a server.
    public mutating func tlsServer() throws(ConfigError) -> TLSConfig? {
        guard var m = try map("tls") else { return nil }
        let tls = try TLSConfig(&m)
        try m.finish()
        return tls
    }

    /// The optional `tls` block of an exporter.
    public mutating func tlsClient() throws(ConfigError) -> TLSClientConfig? {
        guard var m = try map("tls") else { return nil }
        return try TLSClientConfig(&m)
    }
}

/// The credentials a server checks now. A config reload replaces them (a rotated token file)
/// while the server keeps its socket and its connections.
public final class AuthSource: Sendable {
    private let value: Mutex<AuthConfig?>

    public init(_ auth: AuthConfig?) {
        value = Mutex(auth)
    }

    public var current: AuthConfig? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
