#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files that hold prompts and outputs (the file exporter's output, the persistent queue's segments)
/// are the process owner's alone: files 0600, new directories 0700, never opened through a
/// symbolic link (one planted at a predictable name would redirect the write), and temporary names
/// unpredictable.
public enum PrivateFiles {
    public static let fileMode: mode_t = 0o600
    public static let directoryMode: mode_t = 0o700

    /// `mkdir -p`; directories it creates are 0700, existing ones are left as they are. Returns the
    /// errno of the first failure, or nil.
    public static func makeDirectory(_ path: String) -> (path: String, errno: Int32)? {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, directoryMode) != 0 && errno != EEXIST { return (current, errno) }
        }
        return nil
    }

    /// Whether this process can read `path` (a certificate, a key).
    public static func isReadable(_ path: String) -> Bool { access(path, R_OK) == 0 }

    /// Opens (creating it 0600) without following a symbolic link at `path`.
    public static func open(_ path: String, _ flags: Int32) -> Int32 {
        Glibc.open(path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, fileMode)
    }

    /// A new file next to `base` with a random suffix (`base.1f3a9c2e7b`), created exclusively.
    public static func temporary(_ base: String) -> (path: String, fd: Int32)? {
        for _ in 0..<8 {
            let path = base + "." + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let fd = open(path, O_WRONLY | O_EXCL)
            if fd >= 0 { return (path, fd) }
            if errno != EEXIST { return nil }
        }
        return nil
    }

    /// Whether files can be created in `directory` (created first if missing): a probe file with an
    /// unpredictable name is created and removed. The problem, or nil.
    public static func checkWritable(_ directory: String) -> String? {
        if let failure = makeDirectory(directory) {
            return "cannot create \(failure.path): \(String(cString: strerror(failure.errno)))"
        }
        guard let probe = temporary(directory + "/.genai-collector-write-check") else {
            return "cannot create files in \(directory): \(String(cString: strerror(errno)))"
        }
        Glibc.close(probe.fd)
        unlink(probe.path)
        return nil
    }
}
