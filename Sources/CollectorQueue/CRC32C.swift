import CCRC32C

/// CRC-32C (Castagnoli), the checksum of the persistent queue's records, computed by the CPU's crc32
/// instruction (SSE 4.2) where it has one: it runs over every byte written, so a table loop in Swift
/// cost about a tenth of the collector's CPU under load.
enum CRC32C {
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return ccrc32c_update(crc, base, bytes.count)
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { update(0, $0) } }
}
