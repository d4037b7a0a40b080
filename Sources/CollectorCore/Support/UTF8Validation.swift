/// UTF-8 validation per Unicode table 3-7 (no overlongs, no surrogates, nothing above U+10FFFF),
/// with an eight-bytes-at-a-time ASCII fast path since most telemetry text is ASCII.
public enum UTF8Validation {
    @inlinable
    public static func isValid(_ p: UnsafePointer<UInt8>, count: Int) -> Bool {
        var i = 0
        while i < count {
            // ASCII fast path: 32 bytes a step while they last (prompts are mostly ASCII), then 8.
            while i + 32 <= count {
                let q = UnsafeRawPointer(p + i)
                let word =
                    q.loadUnaligned(as: UInt64.self) | q.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                    | q.loadUnaligned(fromByteOffset: 16, as: UInt64.self) | q.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                i += 32
            }
            while i + 8 <= count {
                let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
            if i >= count { return true }
            let b0 = p[i]
            if b0 < 0x80 { i += 1; continue }
            if b0 < 0xC2 { return false }
            if b0 < 0xE0 {
                guard i + 1 < count, p[i + 1] & 0xC0 == 0x80 else { return false }
                i += 2
                continue
            }
            if b0 < 0xF0 {
                guard i + 2 < count else { return false }
                let b1 = p[i + 1]
                switch b0 {
                case 0xE0: guard (0xA0...0xBF).contains(b1) else { return false }
                case 0xED: guard (0x80...0x9F).contains(b1) else { return false }
                default: guard b1 & 0xC0 == 0x80 else { return false }
                }
                guard p[i + 2] & 0xC0 == 0x80 else { return false }
                i += 3
                continue
            }
            if b0 < 0xF5 {
                guard i + 3 < count else { return false }
                let b1 = p[i + 1]
                switch b0 {
                case 0xF0: guard (0x90...0xBF).contains(b1) else { return false }
                case 0xF4: guard (0x80...0x8F).contains(b1) else { return false }
                default: guard b1 & 0xC0 == 0x80 else { return false }
                }
                guard p[i + 2] & 0xC0 == 0x80, p[i + 3] & 0xC0 == 0x80 else { return false }
                i += 4
                continue
            }
            return false
        }
        return true
    }

    public static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return true }
            return isValid(base, count: b.count)
        }
    }
}
