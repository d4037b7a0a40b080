import CollectorCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The queue's files: segments, the commit file, recovery at open, and the byte-level helpers (the
/// format is described at the top of DiskQueue.swift).
extension DiskQueue {
    /// Whole segments behind the commit point go, but never the one being appended to.
    func deleteCommittedSegments(_ s: inout State) {
        while s.segments.count > 1, s.segments[0].last <= s.committed {
            let seg = s.segments.removeFirst()
            Glibc.close(seg.fd)
            unlink(segmentPath(seg.first))
        }
    }

    func segmentPath(_ first: UInt64) -> String {
        let digits = String(first)
        return config.directory + "/seg-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".wal"
    }

    /// Creates segment `first` with its file header (and, unless `fsync: never`, its directory entry
    /// synced).
    func openSegment(first: UInt64) throws(DiskQueueError) -> Segment {
        let path = segmentPath(first)
        let fd = PrivateFiles.open(path, O_RDWR)  // 0600, never through a link: segments hold prompts
        guard fd >= 0 else { throw .io("cannot create \(path): \(String(cString: strerror(errno)))") }
        guard ftruncate(fd, 0) == 0 else {
            Glibc.close(fd)
            throw .io("cannot truncate \(path): \(String(cString: strerror(errno)))")
        }
        do throws(DiskQueueError) {
            try Self.pwriteAll(fd, Self.fileHeader, at: 0)
            if config.fsync != .never { try syncDirectory(config.directory) }
        } catch {
            Glibc.close(fd)
            unlink(path)
            throw error
        }
        return Segment(first: first, fd: fd, size: Self.fileHeader.count, last: first &- 1)
    }

    func writeCommit(_ seq: UInt64) throws(DiskQueueError) {
        var bytes = [UInt8](repeating: 0, count: 12)
        Self.put(&bytes, 0, seq)
        Self.put32(&bytes, 8, CRC32C.checksum(Array(bytes[0..<8])))
        guard let (tmp, fd) = PrivateFiles.temporary(config.directory + "/commit") else {
            throw .io("cannot write a new commit file in \(config.directory): \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(fd) }
        do {
            try Self.pwriteAll(fd, bytes, at: 0)
        } catch {
            unlink(tmp)
            throw error
        }
        if config.fsync != .never, syncFile(fd) != 0 {
            unlink(tmp)
            throw .io("cannot sync the new commit file: \(String(cString: strerror(errno)))")
        }
        guard rename(tmp, config.directory + "/commit") == 0 else {
            unlink(tmp)
            throw .io("cannot replace the commit file: \(String(cString: strerror(errno)))")
        }
    }

    /// The commit point; 0 without a commit file (or a torn one: everything is sent again, nothing lost).
    func readCommit() throws(DiskQueueError) -> UInt64 {
        let path = config.directory + "/commit"
        guard let data = FileManager.default.contents(atPath: path) else {
            if access(path, F_OK) != 0 && errno == ENOENT { return 0 }
            throw .io("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard data.count == 12 else { return 0 }
        let bytes = [UInt8](data)
        guard CRC32C.checksum(Array(bytes[0..<8])) == Self.get32(bytes, 8) else { return 0 }
        return Self.get(bytes, 0)
    }

    /// Rebuilds the state from the files (see the design comment above).
    func recover(_ s: inout State) throws(DiskQueueError) {
        s.committed = try readCommit()
        s.fileCommitted = s.committed
        s.nextSeq = s.committed + 1
        // A directory that cannot be listed is not an empty queue: starting as if it were would write
        // new segments over the records in it.
        let all = try Self.list(config.directory)
        // A commit file written but not yet renamed when the process stopped.
        for name in all where name.hasPrefix("commit.") { unlink(config.directory + "/" + name) }
        let names = all.filter { $0.hasPrefix("seg-") && $0.hasSuffix(".wal") }.sorted()
        for (n, name) in names.enumerated() {
            guard let first = UInt64(name.dropFirst(4).dropLast(4)) else { continue }
            let path = config.directory + "/" + name
            let fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
            guard let data = FileManager.default.contents(atPath: path) else {
                Glibc.close(fd)
                throw .io("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            let bytes = [UInt8](data)
            let newest = n == names.count - 1
            let h = Self.fileHeader.count
            if bytes.count < h && newest && Array(bytes) == Array(Self.fileHeader.prefix(bytes.count)) {
                // Created, then cut short by a crash inside its header: no record was in it.
                guard ftruncate(fd, 0) == 0 else {
                    Glibc.close(fd)
                    throw .io("cannot truncate \(path): \(String(cString: strerror(errno)))")
                }
                try Self.pwriteAll(fd, Self.fileHeader, at: 0)
                s.segments.append(Segment(first: first, fd: fd, size: h, last: first &- 1))
                continue
            }
            guard bytes.count >= h, Array(bytes[0..<6]) == Array(Self.fileHeader[0..<6]) else {
                Glibc.close(fd)
                throw .io("\(path) is not a genai-collector queue segment; move it away to start")
            }
            let version = UInt16(bytes[6]) | UInt16(bytes[7]) << 8
            guard version == Self.formatVersion else {
                Glibc.close(fd)
                throw .io(
                    "\(path) has queue format \(version); this build reads format \(Self.formatVersion) (start the version that wrote it to drain the queue)")
            }
            var seg = Segment(first: first, fd: fd, size: h, last: first &- 1)
            var offset = h
            var validEnd = h
            while offset < bytes.count {
                if let r = Self.parse(bytes, at: offset) {
                    if r.seq > s.committed {
                        s.entries.append(
                            Entry(
                                seq: r.seq, segment: first, offset: offset + Self.headerSize, length: r.length,
                                appendedAt: r.time, spans: r.spans))
                        s.liveBytes += Self.headerSize + r.length
                    }
                    seg.last = max(seg.last, r.seq)
                    s.nextSeq = max(s.nextSeq, r.seq + 1)
                    offset += Self.headerSize + r.length
                    validEnd = offset
                    continue
                }
                // A record that fails its CRC, or a partial one at the end (a torn write).
                s.stats.corruptSkipped += 1
                if offset + Self.headerSize <= bytes.count {
                    let next = offset + Self.headerSize + Int(Self.get32(bytes, offset))
                    if next + Self.headerSize <= bytes.count, Self.parse(bytes, at: next) != nil {
                        offset = next  // its length was intact: skip just this record
                        continue
                    }
                }
                break
            }
            if newest && validEnd < bytes.count && ftruncate(fd, off_t(validEnd)) != 0 {
                Glibc.close(fd)
                throw .io("cannot cut the torn end off \(path): \(String(cString: strerror(errno)))")
            }
            seg.size = newest ? validEnd : bytes.count
            s.segments.append(seg)
        }
        s.entries.sort { $0.seq < $1.seq }
        s.stats.replayed = s.entries.count
        s.liveRecords = s.entries.count
        s.pendingRecords = s.entries.count
        s.pendingSpans = s.entries.reduce(0) { $0 + $1.spans }
        // Segments wholly behind the commit point (a crash between commit and delete).
        deleteCommittedSegments(&s)
    }

    /// A valid record at `offset`: its sequence number, time, span count and payload length.
    static func parse(_ bytes: [UInt8], at offset: Int) -> (seq: UInt64, time: Int64, spans: Int, length: Int)? {
        guard offset + headerSize <= bytes.count else { return nil }
        let length = Int(get32(bytes, offset))
        guard length <= bytes.count - offset - headerSize else { return nil }
        let crc = bytes.withUnsafeBytes { CRC32C.update(0, UnsafeRawBufferPointer(rebasing: $0[(offset + 8)..<(offset + headerSize + length)])) }
        guard crc == get32(bytes, offset + 4) else { return nil }
        return (get(bytes, offset + 8), Int64(bitPattern: get(bytes, offset + 16)), Int(get32(bytes, offset + 24)), length)
    }

    // MARK: bytes

    static func put(_ b: inout [UInt8], _ at: Int, _ v: UInt64) {
        for i in 0..<8 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
    }

    static func put32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
        for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }

    static func get(_ b: [UInt8], _ at: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(b[at + i]) << (8 * UInt64(i)) }
        return v
    }

    static func get32(_ b: [UInt8], _ at: Int) -> UInt32 {
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(b[at + i]) << (8 * UInt32(i)) }
        return v
    }

    static func pwriteAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int) throws(DiskQueueError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    static func preadAll(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Bool {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    static func makeDirectory(_ path: String) throws(DiskQueueError) {
        if let failure = PrivateFiles.makeDirectory(path) {
            throw .io("cannot create \(failure.path): \(String(cString: strerror(failure.errno)))")
        }
    }

    /// Makes a new file's directory entry durable.
    func syncDirectory(_ path: String) throws(DiskQueueError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot open \(path) to sync it: \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw .io("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }

    /// The names in a directory; an error, not an empty list, when it cannot be read.
    static func list(_ path: String) throws(DiskQueueError) -> [String] {
        guard let dir = opendir(path) else {
            throw .io("cannot read the queue directory \(path): \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var names: [String] = []
        errno = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        if errno != 0 { throw .io("cannot read the queue directory \(path): \(String(cString: strerror(errno)))") }
        return names
    }
}
