/// Waits until `condition` holds, polling every `poll`, for at most `seconds`; returns whether it
/// held. Tests wait on a condition like this instead of sleeping a fixed time.
public func eventually(_ seconds: Double = 60, poll: Duration = .milliseconds(20), _ condition: () async -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try await Task.sleep(for: poll)
    }
    return await condition()
}
