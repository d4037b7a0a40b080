/// An injected clock read as durations since a fixed origin, so deadlines can be stored and compared
/// whatever the clock's own instant type (the process's continuous clock, or a test's).
public struct Timeline: Sendable {
    /// Time since the origin.
    public let now: @Sendable () -> Duration
    public let sleep: @Sendable (Duration) async throws -> Void

    public init(_ clock: any Clock<Duration>) {
        self = Self.reading(clock)
    }

    private static func reading<C: Clock<Duration>>(_ clock: C) -> Timeline {
        let origin = clock.now
        return Timeline(now: { origin.duration(to: clock.now) }, sleep: { try await clock.sleep(for: $0) })
    }

    private init(now: @escaping @Sendable () -> Duration, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }
}
