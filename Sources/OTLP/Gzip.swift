import CZlib

/// gzip/zlib inflation through the system zlib, with an output cap checked while inflating.
public enum Gzip {
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates gzip (or zlib, with `zlibHeader`) data; refuses output larger than `limit`. Every
    /// member of a multi-member gzip body is inflated (`cat a.gz b.gz` is valid gzip); anything else
    /// after the compressed data is an error, never silently ignored.
    /// `reserve`, when given, is told the output's capacity before it grows; when it answers false
    /// inflating stops with `overMemoryBudget`.
    public static func decompress(
        _ input: [UInt8], limit: Int, zlibHeader: Bool = false,
        reserve: ((Int) -> Bool)? = nil
    ) throws(OTLPDecodingError) -> [UInt8] {
        var stream = z_stream()
        // 16+MAX_WBITS: gzip wrapper; MAX_WBITS: zlib wrapper.
        let windowBits: Int32 = zlibHeader ? 15 : 31
        guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw OTLPDecodingError(.decompression("zlib init failed"), field: "")
        }
        defer { inflateEnd(&stream) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        var failure: OTLPDecodingError?
        input.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = UInt32(inBuf.count)
            while true {
                if status == Z_STREAM_END {
                    guard stream.avail_in > 0 else { break }
                    // More input after a complete stream: the next gzip member, or garbage.
                    let rest = UnsafeBufferPointer(start: stream.next_in, count: Int(stream.avail_in))
                    guard !zlibHeader, rest.count >= 2, rest[0] == 0x1F, rest[1] == 0x8B else {
                        let at = inBuf.count - rest.count
                        failure = OTLPDecodingError(.decompression("\(rest.count) bytes after the end of the compressed data"), field: "", offset: at)
                        return
                    }
                    inflateReset(&stream)
                    status = Z_OK
                }
                chunk.withUnsafeMutableBufferPointer { c in
                    stream.next_out = c.baseAddress
                    stream.avail_out = UInt32(c.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                if status != Z_OK && status != Z_STREAM_END {
                    failure = OTLPDecodingError(.decompression(status == Z_BUF_ERROR ? "truncated stream" : "corrupt stream"), field: "")
                    return
                }
                if out.count + produced > limit {
                    failure = OTLPDecodingError(.tooLarge(limit: limit), field: "")
                    return
                }
                if out.count + produced > out.capacity {
                    let grown = max(out.capacity * 2, out.count + produced)
                    // While the output moves to its larger buffer, both buffers live.
                    guard reserve?(grown + out.capacity) ?? true else {
                        failure = OTLPDecodingError(.overMemoryBudget, field: "")
                        return
                    }
                    out.reserveCapacity(grown)
                }
                out.append(contentsOf: chunk[0..<produced])
                if status == Z_OK && produced == 0 && stream.avail_in == 0 {
                    failure = OTLPDecodingError(.decompression("truncated stream"), field: "")
                    return
                }
            }
        }
        if let failure { throw failure }
        return out
    }

    /// gzip compression (exporters' request bodies; tests and benchmarks build compressed bodies with it).
    public static func compress(_ input: [UInt8], level: Int32 = 6) throws(OTLPDecodingError) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw OTLPDecodingError(.decompression("zlib init failed"), field: "")
        }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        let produced: Int = input.withUnsafeBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                _ = deflate(&stream, Z_FINISH)
                return outBuf.count - Int(stream.avail_out)
            }
        }
        return Array(out[0..<produced])
    }
}
