import Foundation

/// One keep-alive HTTP/1.1 connection over a plain socket: posts a body, reads the status and the
/// response body. Deliberately minimal so the generator costs little CPU next to the server.
final class LoadClient {
    private let fd: Int32
    /// The server answered `Connection: close` (or closed): this connection takes no more requests.
    private(set) var closed = false
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoadError("socket failed") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        guard withLoopback(port: port, { connect(fd, $0, $1) }) == 0 else { close(fd); throw LoadError("connect to 127.0.0.1:\(port) failed") }
    }

    deinit { close(fd) }

    /// Sends one request and returns the HTTP status.
    func post(path: String, contentType: String, headers: [String] = [], body: [UInt8]) throws -> Int {
        let extra = headers.map { $0 + "\r\n" }.joined()
        let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: \(contentType)\r\n\(extra)Content-Length: \(body.count)\r\n\r\n"
        try send(Array(head.utf8))
        try send(body)
        return try readResponse()
    }

    private func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { closed = true; throw LoadError("send failed") }
            offset += n
        }
    }

    private func readResponse() throws -> Int {
        var data: [UInt8] = []
        var headerEnd: Int?
        while headerEnd == nil {
            try fill(&data)
            headerEnd = find(data, [13, 10, 13, 10])
        }
        let head = String(decoding: data[0..<headerEnd!], as: UTF8.self)
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        var length = 0
        for line in head.split(separator: "\r\n") {
            let lower = line.lowercased()
            if lower.hasPrefix("content-length:") {
                length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
            } else if lower.hasPrefix("connection:"), lower.contains("close") {
                closed = true
            }
        }
        while data.count < headerEnd! + 4 + length { try fill(&data) }
        return status
    }

    private func fill(_ data: inout [UInt8]) throws {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { closed = true; throw LoadError("connection closed") }
        data.append(contentsOf: buffer[0..<n])
    }

    private func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}

/// Calls `body` with 127.0.0.1:`port` as a socket address (for connect or bind).
func withLoopback(port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}

struct LoadError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// CPU seconds and peak resident memory of a process, from /proc.
struct ProcessStats {
    var cpuSeconds: Double
    var peakRSSBytes: Int

    static func read(pid: Int32) -> ProcessStats? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        else { return nil }
        // Fields after the ")" that ends the command name: utime is the 12th, stime the 13th.
        let fields = stat[stat.range(of: ")")!.upperBound...].split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let cpu = ((Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)) / ticks
        let hwm = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
        let kb = hwm.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        return ProcessStats(cpuSeconds: cpu, peakRSSBytes: kb * 1024)
    }
}
