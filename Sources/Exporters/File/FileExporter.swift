import CollectorCore
import ExporterHelper
import ComponentModel
import GenAIMapping
import OTLP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes batches as JSON Lines under a directory: one Langfuse ingestion event per line
/// (`format: langfuse`) or one OTLP/JSON export request per line (`format: otlp_json`). Files rotate
/// by size and age and are fsynced when closed.
public actor FileExporter: Exporter {
    public nonisolated let id: String
    public nonisolated let needsRecords: Bool
    private let config: FileExporter.Config
    private var fd: Int32 = -1
    private var written = 0
    private var openedAt = ContinuousClock.now
    private var sequence = 0

    public init(config: Config, settings: ComponentSettings) {
        self.id = settings.id.description
        self.config = config
        self.needsRecords = config.format == .langfuse
    }

    public func export(_ item: ExportItem) async throws(ExportFailure) {
        var lines: [UInt8] = []
        if let records = item.records, needsRecords {
            for r in records { lines += IngestionBatchEncoder().encodeLines(r) }
        } else {
            for part in item.parts { lines += OTLPJSONEncoder().encode(part) + [0x0A] }
        }
        if fd >= 0, written > 0, written + lines.count > config.maxFileSizeBytes || ContinuousClock.now - openedAt >= config.rotateInterval {
            close()
        }
        if fd < 0 { try open() }
        try write(lines)
    }

    public func shutdown() async { close() }

    /// A new file, the process owner's only (`PrivateFiles`): created exclusively, so an existing
    /// file or a link planted at the name is never written through; the next name is tried instead.
    private func open() throws(ExportFailure) {
        if let failure = PrivateFiles.makeDirectory(config.directory) { throw Self.failure("cannot create \(failure.path)", failure.errno) }
        for _ in 0..<16 {
            sequence += 1
            let name = "\(config.directory)/traces-\(Self.stamp())-\(sequence).jsonl"
            let f = PrivateFiles.open(name, O_WRONLY | O_APPEND | O_EXCL)
            if f < 0 && (errno == EEXIST || errno == ELOOP) { continue }
            guard f >= 0 else { throw Self.failure("cannot open \(name)", errno) }
            fd = f
            written = 0
            openedAt = .now
            return
        }
        throw .retryable("cannot open a new file in \(config.directory): every name tried exists")
    }

    private func write(_ bytes: [UInt8]) throws(ExportFailure) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close()  // a partly written line ends the file; the retry starts a new one
                throw Self.failure("write failed", e)
            }
            offset += n
        }
        written += bytes.count
    }

    private func close() {
        guard fd >= 0 else { return }
        fsync(fd)
        Glibc.close(fd)
        fd = -1
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
