#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// zstd through the system's libzstd, loaded at run time: no headers are needed to build, and a
/// machine without the library answers zstd bodies with a clear error instead of failing to start
/// (and a config asking to write zstd is refused).
public enum Zstd {
    struct InBuffer { var src: UnsafeRawPointer?; var size: Int; var pos: Int }
    struct OutBuffer { var dst: UnsafeMutableRawPointer?; var size: Int; var pos: Int }

    /// The few libzstd entry points the streaming decoder and the one-shot encoder need.
    struct Library: @unchecked Sendable {  // immutable function pointers into a library never unloaded
        let createDStream: @convention(c) () -> OpaquePointer?
        let freeDStream: @convention(c) (OpaquePointer?) -> Int
        /// `ZSTD_outBuffer*` and `ZSTD_inBuffer*`: three machine words each, laid out as our structs.
        let decompressStream: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Int
        let isError: @convention(c) (Int) -> UInt32
        let errorName: @convention(c) (Int) -> UnsafePointer<CChar>?
        let compressBound: @convention(c) (Int) -> Int
        let compress: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int, Int32) -> Int

        static func load() -> Library? {
            guard let handle = dlopen("libzstd.so.1", RTLD_NOW) ?? dlopen("libzstd.so", RTLD_NOW) ?? dlopen("libzstd.1.dylib", RTLD_NOW)
            else { return nil }
            func symbol<T>(_ name: String, _: T.Type) -> T? {
                dlsym(handle, name).map { unsafeBitCast($0, to: T.self) }
            }
            guard let create = symbol("ZSTD_createDStream", (@convention(c) () -> OpaquePointer?).self),
                let free = symbol("ZSTD_freeDStream", (@convention(c) (OpaquePointer?) -> Int).self),
                let stream = symbol("ZSTD_decompressStream", (@convention(c) (OpaquePointer?, UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Int).self),
                let isError = symbol("ZSTD_isError", (@convention(c) (Int) -> UInt32).self),
                let errorName = symbol("ZSTD_getErrorName", (@convention(c) (Int) -> UnsafePointer<CChar>?).self),
                let bound = symbol("ZSTD_compressBound", (@convention(c) (Int) -> Int).self),
                let compress = symbol("ZSTD_compress", (@convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int, Int32) -> Int).self)
            else { return nil }
            return Library(
                createDStream: create, freeDStream: free, decompressStream: stream, isError: isError, errorName: errorName,
                compressBound: bound, compress: compress)
        }
    }

    static let library = Library.load()

    public static var isAvailable: Bool { library != nil }

    public static func isZstd(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x28 && bytes[1] == 0xB5 && bytes[2] == 0x2F && bytes[3] == 0xFD
    }

    /// Decompresses every frame in `input`; refuses output larger than `limit`.
    /// `reserve` as for `Gzip.decompress`.
    public static func decompress(_ input: [UInt8], limit: Int, reserve: ((Int) -> Bool)? = nil) throws(OTLPDecodingError) -> [UInt8] {
        guard let lib = library else { throw OTLPDecodingError(.decompression("zstd is not available: libzstd.so.1 not found"), field: "") }
        guard let stream = lib.createDStream() else { throw OTLPDecodingError(.decompression("zstd init failed"), field: "") }
        defer { _ = lib.freeDStream(stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 128 * 1024)
        var failure: OTLPDecodingError?
        input.withUnsafeBytes { inRaw in
            var inBuf = InBuffer(src: inRaw.baseAddress, size: inRaw.count, pos: 0)
            var lastResult = 0
            while true {
                let produced: Int = chunk.withUnsafeMutableBytes { outRaw in
                    var outBuf = OutBuffer(dst: outRaw.baseAddress, size: outRaw.count, pos: 0)
                    lastResult = withUnsafeMutablePointer(to: &outBuf) { o in
                        withUnsafeMutablePointer(to: &inBuf) { i in lib.decompressStream(stream, UnsafeMutableRawPointer(o), UnsafeMutableRawPointer(i)) }
                    }
                    return outBuf.pos
                }
                if lib.isError(lastResult) != 0 {
                    let name = lib.errorName(lastResult).map { String(cString: $0) } ?? "error"
                    failure = OTLPDecodingError(.decompression("corrupt zstd stream: \(name)"), field: "")
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
                let inputDone = inBuf.pos == inBuf.size
                if inputDone && lastResult == 0 { return }  // every frame complete
                if inputDone && produced < chunk.count {
                    failure = OTLPDecodingError(.decompression("truncated zstd stream"), field: "")
                    return
                }
            }
        }
        if let failure { throw failure }
        return out
    }

    /// The compression levels offered for writing (libzstd's regular range; 3 is its default).
    public static let levels = 1...19

    /// One zstd frame of `input`. Frames may follow one another; readers decode them as one stream.
    public static func compress(_ input: [UInt8], level: Int) throws(OTLPDecodingError) -> [UInt8] {
        guard let lib = library else { throw OTLPDecodingError(.decompression("zstd is not available: libzstd.so.1 not found"), field: "") }
        let capacity = lib.compressBound(input.count)
        var out = [UInt8](repeating: 0, count: capacity)
        let n = out.withUnsafeMutableBytes { dst in
            input.withUnsafeBytes { src in lib.compress(dst.baseAddress, capacity, src.baseAddress, src.count, Int32(level)) }
        }
        if lib.isError(n) != 0 {
            let name = lib.errorName(n).map { String(cString: $0) } ?? "error"
            throw OTLPDecodingError(.decompression("zstd compression failed: \(name)"), field: "")
        }
        out.removeLast(capacity - n)
        return out
    }
}
