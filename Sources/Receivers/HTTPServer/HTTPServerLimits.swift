import CollectorCore

/// What one HTTP server allows a client: connections at once, and how slowly it may send. A client
/// that holds a connection without finishing a request is closed, so idle or slow connections cannot
/// use up the process's file descriptors.
public struct HTTPServerLimits: Sendable, Equatable {
    /// Open connections at most; one more is closed at once and counted (`max_connections`).
    public var maxConnections: Int
    /// From the first byte of a request to the end of its headers.
    public var readHeaderTimeout: Duration
    /// A keep-alive connection with no request in progress is closed after this long.
    public var idleTimeout: Duration
    /// Once `readHeaderTimeout` has passed after the headers, the body must have arrived at least at
    /// this rate on average.
    public var minBodyBytesPerSecond: Int

    public static let defaults = HTTPServerLimits(
        maxConnections: 4096, readHeaderTimeout: .seconds(10), idleTimeout: .seconds(60),
        minBodyBytesPerSecond: 4096)

    public init(maxConnections: Int, readHeaderTimeout: Duration, idleTimeout: Duration, minBodyBytesPerSecond: Int) {
        self.maxConnections = maxConnections
        self.readHeaderTimeout = readHeaderTimeout
        self.idleTimeout = idleTimeout
        self.minBodyBytesPerSecond = minBodyBytesPerSecond
    }

    /// `max_connections`, `read_header_timeout`, `idle_timeout`, `min_body_bytes_per_second`.
    public init(_ map: inout ConfigMap) throws(ConfigError) {
        let d = Self.defaults
        maxConnections = try map.int("max_connections", default: d.maxConnections, range: 1...1_000_000)
        readHeaderTimeout = try map.duration("read_header_timeout", default: d.readHeaderTimeout)
        idleTimeout = try map.duration("idle_timeout", default: d.idleTimeout)
        minBodyBytesPerSecond = try map.int("min_body_bytes_per_second", default: d.minBodyBytesPerSecond, range: 0...(1 << 30))
        for (key, value) in [("read_header_timeout", readHeaderTimeout), ("idle_timeout", idleTimeout)] where value <= .zero {
            throw ConfigError(map.childPath(key), "must be longer than zero")
        }
    }
}
