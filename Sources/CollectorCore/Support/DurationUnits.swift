extension Duration {
    /// The whole duration in nanoseconds (what clocks and timeouts of the C and NIO APIs take).
    public var nanoseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }

    /// The duration in seconds, as metrics report it.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
