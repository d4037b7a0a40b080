import Foundation

/// `--sink PORT`: a bare HTTP/1.1 server that reads every request whole and answers 200, with an
/// `ETag` (S3 PutObject and UploadPart want one) and an empty body (an upload id for S3
/// CreateMultipartUpload). It stands in for ClickHouse, S3
/// and Langfuse in the gateway load run, so that the collector is measured rather than test doubles
/// that decompress and parse; it costs one read per chunk and nothing else. `GET /stats` answers
/// `requests bytes` per first path segment, for the script to see that each sink was reached.
final class Sink: @unchecked Sendable {  // `counts` is guarded by `lock`
    private let lock = NSLock()
    private var counts: [String: (requests: Int, bytes: Int)] = [:]

    func serve(port: UInt16) throws -> Never {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw LoadError("socket failed") }
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard withLoopback(port: port, { bind(listener, $0, $1) }) == 0, listen(listener, 128) == 0 else {
            throw LoadError("cannot listen on 127.0.0.1:\(port)")
        }
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { continue }
            Thread.detachNewThread { [self] in
                connection(fd)
                close(fd)
            }
        }
    }

    private func connection(_ fd: Int32) {
        var reader = Reader(fd: fd)
        while let head = reader.head() {
            let lines = head.split(separator: "\r\n")
            let requestLine = lines.first.map(String.init) ?? ""
            let target = requestLine.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
            var length = 0
            var chunked = false
            for line in lines.dropFirst() {
                let lower = line.lowercased()
                if lower.hasPrefix("content-length:") {
                    length = Int(lower.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                } else if lower.hasPrefix("transfer-encoding:"), lower.contains("chunked") {
                    chunked = true
                }
            }
            guard let body = chunked ? reader.chunkedBody() : reader.skip(length) else { return }
            let segment = String(target.split(separator: "/").first?.split(separator: "?").first ?? "")
            var answer = ""
            if requestLine.hasPrefix("POST "), target.hasSuffix("?uploads") || target.contains("?uploads&") || target.hasSuffix("?uploads=") {
                // S3 CreateMultipartUpload: the exporter needs an upload id back.
                answer = "<InitiateMultipartUploadResult><UploadId>sink</UploadId></InitiateMultipartUploadResult>"
            }
            if target == "/stats" {
                lock.lock()
                answer = counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.requests) \($0.value.bytes)\n" }.joined()
                lock.unlock()
            } else {
                lock.lock()
                counts[segment, default: (0, 0)].requests += 1
                counts[segment, default: (0, 0)].bytes += body
                lock.unlock()
            }
            let response = "HTTP/1.1 200 OK\r\nETag: \"sink\"\r\nContent-Length: \(answer.utf8.count)\r\n\r\n\(answer)"
            guard reader.send(Array(response.utf8)) else { return }
        }
    }

    /// Buffered reads from one connection.
    struct Reader {
        let fd: Int32
        var buffer: [UInt8] = []
        var start = 0
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)

        mutating func fill() -> Bool {
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return false }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }

        /// The request or chunk-size line up to `\r\n\r\n` (or `\r\n` for a line), consumed.
        mutating func upTo(_ terminator: [UInt8]) -> String? {
            var searched = start
            while true {
                if buffer.count - searched >= terminator.count {
                    for i in searched...(buffer.count - terminator.count)
                    where buffer[i] == terminator[0] && buffer[i..<(i + terminator.count)].elementsEqual(terminator) {
                        let text = String(decoding: buffer[start..<i], as: UTF8.self)
                        start = i + terminator.count
                        return text
                    }
                    searched = max(start, buffer.count - terminator.count + 1)
                }
                let consumed = start
                guard fill() else { return nil }
                searched -= consumed
            }
        }

        mutating func head() -> String? { upTo([13, 10, 13, 10]) }

        /// Consumes `count` body bytes; returns how many.
        mutating func skip(_ count: Int) -> Int? {
            var left = count
            while left > 0 {
                if start == buffer.count, !fill() { return nil }
                let take = min(left, buffer.count - start)
                start += take
                left -= take
            }
            return count
        }

        mutating func chunkedBody() -> Int? {
            var total = 0
            while true {
                guard let line = upTo([13, 10]), let size = Int(line.split(separator: ";").first ?? "", radix: 16) else { return nil }
                if size == 0 {
                    // No trailers are sent to us; the empty line ends the body.
                    return upTo([13, 10]) == nil ? nil : total
                }
                guard skip(size) != nil, upTo([13, 10]) != nil else { return nil }
                total += size
            }
        }

        func send(_ bytes: [UInt8]) -> Bool {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }
}
