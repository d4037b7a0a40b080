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
}

/// Accepted credentials for a receiver: bearer tokens and/or Basic user:password pairs.
public struct AuthConfig: Sendable, Equatable {
    public var bearerTokens: [String]
    public var basic: [(username: String, password: String)]

    public static func == (a: AuthConfig, b: AuthConfig) -> Bool {
        a.bearerTokens == b.bearerTokens && a.basic.elementsEqual(b.basic) { $0.username == $1.username && $0.password == $1.password }
    }

    public init(_ map: inout ConfigMap) throws(ConfigError) {
        bearerTokens = try map.strings("bearer_tokens")
        if bearerTokens.contains(where: \.isEmpty) { throw ConfigError(map.childPath("bearer_tokens"), "tokens must not be empty") }
        basic = try map.list("basic") { (m) throws(ConfigError) -> (username: String, password: String) in
            (try m.requiredString("username"), try m.requiredString("password"))
        }
        if bearerTokens.isEmpty && basic.isEmpty { throw ConfigError(map.path, "give bearer_tokens and/or basic credentials") }
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
