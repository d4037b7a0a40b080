import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command to its end and returns its status and its stdout and stderr together. Blocking:
/// call it through `offPool`.
///
/// Not `Foundation.Process`: on Linux it learns of a child's exit through a socket the child
/// inherits, so a child that leaves a daemon behind (`podman run -d` leaves conmon) is never seen to
/// exit and `waitUntilExit` hangs. Here the exit comes from `waitpid`, and a daemon that kept the
/// output pipe open cannot hold the read past the child's exit.
public func spawnAndWait(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw SpawnError(description: "pipe: errno \(errno)") }
    let (readEnd, writeEnd) = (fds[0], fds[1])
    // Not inherited by other children (pipe2 is not visible from Swift; a child spawned by another
    // thread in between that keeps it only delays EOF, which the exit check below does not wait for).
    guard fcntl(readEnd, F_SETFD, FD_CLOEXEC) == 0, fcntl(writeEnd, F_SETFD, FD_CLOEXEC) == 0 else {
        close(writeEnd)
        throw SpawnError(description: "fcntl: errno \(errno)")
    }
    defer { close(readEnd) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
    posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
    // Nothing else of this process's: a socket or pipe another test holds must not outlive it in a
    // child (or in a daemon the child leaves, such as podman's conmon).
    guard spawnCloseFrom(&actions, 3) == 0 else {
        close(writeEnd)
        throw SpawnError(description: "posix_spawn_file_actions_addclosefrom_np failed")
    }

    let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
    let argv = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup($0) } + [nil]
    defer { (argv + envp).forEach { free($0) } }

    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, envp)
    close(writeEnd)
    guard spawned == 0 else { throw SpawnError(description: "spawn \(arguments.first ?? ""): errno \(spawned)") }

    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    var status: Int32 = 0
    var exited = false
    while true {
        var p = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&p, 1, exited ? 0 : 100)
        if ready > 0 {
            let n = read(readEnd, &buffer, buffer.count)
            if n > 0 { output += buffer[0..<n]; continue }
            if n == 0 { break }
            if errno == EINTR { continue }
            break
        }
        if exited { break }  // drained what the child wrote; a daemon may hold the pipe open
        if ready < 0 && errno != EINTR { break }
        if waitpid(pid, &status, WNOHANG) == pid { exited = true }
    }
    if !exited {
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
    // WIFEXITED / WEXITSTATUS, WTERMSIG as 128+n the way a shell reports it.
    let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (code, String(decoding: output, as: UTF8.self))
}

public struct SpawnError: Error, CustomStringConvertible {
    public let description: String
}

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which the Glibc module leaves out.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
