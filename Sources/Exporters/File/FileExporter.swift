import CollectorCore
import ExporterHelper
import ComponentModel
import GenAIMapping
import OTLP
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes batches as JSON Lines under a directory: one Langfuse ingestion event per line
/// (`format: langfuse`) or one OTLP/JSON export request per line (`format: otlp_json`). Logs and
/// metrics are written as OTLP/JSON always, each signal to files of its own (`logs-…`, `metrics-…`).
/// Files rotate by size and age and are fsynced when closed.
///
/// Swift's tasks run on the NIO event loops here (`CollectorApp.runTasksOnEventLoops`), so encoding
/// and `write(2)` go to NIO's blocking thread pool: the loops keep receiving while a batch is
/// written. Batches encode in parallel there; only the write holds the file's lock.
public final class FileExporter: Exporter {
    public let id: String
    public let needsRecords: Bool
    private let config: FileExporter.Config
    private let files = Mutex([Signal: OpenFile]())

    struct OpenFile {
        var fd: Int32 = -1
        var written = 0
        var openedAt = ContinuousClock.now
        var sequence = 0
    }

    public init(config: Config, settings: ComponentSettings) {
        self.id = settings.id.description
        self.config = config
        self.needsRecords = config.format == .langfuse
    }

    public func export(_ item: ExportItem) async throws(ExportFailure) {
        try await offLoop("the file write") { () throws(ExportFailure) in try self.encodeAndWrite(item) }
    }

    /// Encoded part by part (a request's worth each, from the heap) rather than into one buffer: a
    /// batch of thousands of spans encoded whole is tens of megabytes of fresh pages, and measured
    /// slower. The batch is still written as one unit, into one file, as before.
    func encodeAndWrite(_ item: ExportItem) throws(ExportFailure) {
        var chunks: [[UInt8]] = []
        if let records = item.records, needsRecords {
            chunks = records.map { IngestionBatchEncoder().encodeLines($0) }
        } else {
            chunks = item.parts.map { part in
                var line = OTLPJSONEncoder().encode(part)
                line.append(0x0A)
                return line
            }
        }
        try append(chunks, signal: item.signal)
    }

    /// The close fsyncs: off the loops too, or inline if the pool has already stopped.
    public func shutdown() async {
        do {
            try await offLoop("the file close") { self.files.withLock { Self.closeAll(&$0) } }
        } catch {
            files.withLock { Self.closeAll(&$0) }
        }
    }

    private func append(_ chunks: [[UInt8]], signal: Signal) throws(ExportFailure) {
        let size = chunks.reduce(0) { $0 + $1.count }
        try files.withLock { (all: inout [Signal: OpenFile]) throws(ExportFailure) in
            var f = all[signal] ?? OpenFile()
            defer { all[signal] = f }
            if f.fd >= 0, f.written > 0,
                f.written + size > config.maxFileSizeBytes || ContinuousClock.now - f.openedAt >= config.rotateInterval
            {
                Self.close(&f)
            }
            if f.fd < 0 { try open(&f, signal) }
            for c in chunks { try Self.write(c, to: &f) }
        }
    }

    private static func closeAll(_ all: inout [Signal: OpenFile]) {
        for key in all.keys { Self.close(&all[key]!) }
    }

    /// A new file, the process owner's only (`PrivateFiles`): created exclusively, so an existing
    /// file or a link planted at the name is never written through; the next name is tried instead.
    private func open(_ f: inout OpenFile, _ signal: Signal) throws(ExportFailure) {
        if let failure = PrivateFiles.makeDirectory(config.directory) { throw Self.failure("cannot create \(failure.path)", failure.errno) }
        for _ in 0..<16 {
            f.sequence += 1
            let name = "\(config.directory)/\(signal.rawValue)-\(Self.stamp())-\(f.sequence).jsonl"
            let fd = PrivateFiles.open(name, O_WRONLY | O_APPEND | O_EXCL)
            if fd < 0 && (errno == EEXIST || errno == ELOOP) { continue }
            guard fd >= 0 else { throw Self.failure("cannot open \(name)", errno) }
            f.fd = fd
            f.written = 0
            f.openedAt = .now
            return
        }
        throw .retryable("cannot open a new file in \(config.directory): every name tried exists")
    }

    private static func write(_ bytes: [UInt8], to f: inout OpenFile) throws(ExportFailure) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(f.fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(&f)  // a partly written line ends the file; the retry starts a new one
                throw failure("write failed", e)
            }
            offset += n
        }
        f.written += bytes.count
    }

    private static func close(_ f: inout OpenFile) {
        guard f.fd >= 0 else { return }
        fsync(f.fd)
        Glibc.close(f.fd)
        f.fd = -1
    }

    /// A full or failing disk may recover; a path we may not write to will not.
    static func failure(_ what: String, _ code: Int32) -> ExportFailure {
        let message = "\(what): \(String(cString: strerror(code)))"
        switch code {
        case ENOSPC, EDQUOT, EIO, EAGAIN, EMFILE, ENFILE, ENOMEM: return .retryable(message)
        default: return .permanent(message)
        }
    }

    /// `20261129T171530Z`, for file names that sort by time.
    static func stamp() -> String {
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }
}
