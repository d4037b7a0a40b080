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

/// A server certificate and key (PEM files, read when the server starts).
public struct TLSConfig: Sendable, Equatable {
    public var certFile: String
    public var keyFile: String

    public init(_ map: inout ConfigMap) throws(ConfigError) {
        certFile = try map.requiredString("cert_file")
        keyFile = try map.requiredString("key_file")
    }
}
