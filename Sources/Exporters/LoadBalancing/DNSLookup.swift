import CollectorCore
import ExporterHelper

#if canImport(Glibc)
import Glibc
#endif

/// The addresses of a name, as the `dns` resolver needs them: from the system resolver (search
/// domains and all, as a pod resolves a headless Service), or, with `server`, by asking that DNS
/// server directly over UDP for A and AAAA records. Blocking calls run on the I/O thread pool.
struct DNSLookup: Sendable {
    let hostname: String
    let server: Endpoint?
    let timeout: Duration

    /// The addresses, sorted; empty when the name has none.
    func addresses() async throws(ExportFailure) -> [String] {
        let (hostname, server, timeout) = (hostname, server, timeout)
        return try await offLoop("the DNS lookup of \(hostname)") { () throws(ExportFailure) -> [String] in
            guard let server else { return try Self.system(hostname) }
            var found: [String] = []
            for type in [UInt16(1), 28] { found += try Self.query(hostname, type: type, server: server, timeout: timeout) }
            return Array(Set(found)).sorted()
        }
    }

    static func system(_ hostname: String) throws(ExportFailure) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(hostname, nil, &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        if status == EAI_NONAME { return [] }
        guard status == 0 else { throw .retryable("cannot resolve \(hostname): \(String(cString: gai_strerror(status)))") }
        var out: Set<String> = []
        var next = list
        while let info = next {
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 {
                out.insert(String(cString: text))
            }
            next = info.pointee.ai_next
        }
        return out.sorted()
    }

    /// One query for `type` (1: A, 28: AAAA) to `server`.
    static func query(_ name: String, type: UInt16, server: Endpoint, timeout: Duration) throws(ExportFailure) -> [String] {
        let id = UInt16.random(in: 0...UInt16.max)
        var message: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8)
            guard !bytes.isEmpty, bytes.count < 64 else { throw .permanent("'\(name)' is not a DNS name") }
            message.append(UInt8(bytes.count))
            message += bytes
        }
        message += [0, UInt8(type >> 8), UInt8(type & 0xff), 0, 1]
        let answer = try exchange(message, server: server, timeout: timeout)
        return try parse(answer, id: id, type: type, name: name)
    }

    private static func exchange(_ message: [UInt8], server: Endpoint, timeout: Duration) throws(ExportFailure) -> [UInt8] {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(server.port).bigEndian)
        guard inet_pton(AF_INET, server.host, &address.sin_addr) == 1 else {
            throw .permanent("dns.server must be an IPv4 address and port, got \(server)")
        }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw .retryable("cannot open a UDP socket: errno \(errno)") }
        defer { close(fd) }
        let (seconds, attoseconds) = timeout.components
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let sent = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, message, message.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard sent == message.count else { throw .retryable("cannot send the DNS query to \(server): errno \(errno)") }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n > 0 else { throw .retryable("no DNS answer from \(server) within \(timeout)") }
        return Array(buffer[0..<n])
    }

    /// The answer's addresses of `type`; a name that does not exist is an empty answer.
    static func parse(_ m: [UInt8], id: UInt16, type: UInt16, name: String) throws(ExportFailure) -> [String] {
        func u16(_ i: Int) -> Int { Int(m[i]) << 8 | Int(m[i + 1]) }
        guard m.count >= 12, u16(0) == Int(id), m[2] & 0x80 != 0 else { throw .retryable("a malformed DNS answer for \(name)") }
        let rcode = m[3] & 0x0f
        if rcode == 3 { return [] }
        guard rcode == 0 else { throw .retryable("the DNS server answered \(name) with code \(rcode)") }
        // Skips a name (labels or a compression pointer); nil when it runs past the message.
        func skipName(_ start: Int) -> Int? {
            var i = start
            while i < m.count {
                let length = Int(m[i])
                if length == 0 { return i + 1 }
                if length & 0xc0 == 0xc0 { return i + 2 }
                i += 1 + length
            }
            return nil
        }
        var i = 12
        for _ in 0..<u16(4) {
            guard let end = skipName(i), end + 4 <= m.count else { throw .retryable("a truncated DNS answer for \(name)") }
            i = end + 4
        }
        var out: [String] = []
        for _ in 0..<u16(6) {
            guard let end = skipName(i), end + 10 <= m.count else { throw .retryable("a truncated DNS answer for \(name)") }
            let recordType = u16(end)
            let length = u16(end + 8)
            let data = end + 10
            guard data + length <= m.count else { throw .retryable("a truncated DNS answer for \(name)") }
            if recordType == Int(type) && ((type == 1 && length == 4) || (type == 28 && length == 16)) {
                var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                let family = type == 1 ? AF_INET : AF_INET6
                let bytes = Array(m[data..<data + length])
                if inet_ntop(family, bytes, &text, socklen_t(text.count)) != nil { out.append(String(cString: text)) }
            }
            i = data + length
        }
        return out
    }
}
