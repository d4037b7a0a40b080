import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback port held for a test: bound but not listening, so connecting to it is refused, and
/// no other process can take it until `release()` (for a config that must name a server's port
/// before that server exists, or a peer that must be down).
public final class ReservedPort: @unchecked Sendable {
    public let port: Int
    private var fd: Int32

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init() throws {
        // Close-on-exec: a child started meanwhile by any test (a Python server, a collector) would
        // otherwise inherit the socket and hold the port after `release()`.
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketFD >= 0 else { throw Failure(description: "cannot open a socket: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, len) } }
        let named = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &len) } }
        guard bound == 0, named == 0 else {
            let code = errno
            close(socketFD)
            throw Failure(description: "cannot reserve a loopback port: errno \(code)")
        }
        fd = socketFD
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Frees the port for the server about to bind it.
    public func release() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { release() }
}
