/// Byte predicates and classes shared by the redaction scanners.
@inline(__always) func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
@inline(__always) func isUpper(_ c: UInt8) -> Bool { c &- 0x41 < 26 }
@inline(__always) func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) &- 0x61 < 26 }
@inline(__always) func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || isAlpha(c) }
@inline(__always) func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20) &- 0x61 < 6 }
@inline(__always) func isWord(_ c: UInt8) -> Bool { ByteClass.table[Int(c)] & ByteClass.word != 0 }
@inline(__always) func lower(_ c: UInt8) -> UInt8 { isUpper(c) ? c | 0x20 : c }

/// Byte classes for the scanner's hot loop.
enum ByteClass {
    static let word: UInt8 = 1
    static let emailLocal: UInt8 = 2

    static let table: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        for c in 0..<256 {
            let b = UInt8(c)
            if isAlnum(b) || b == UInt8(ascii: "_") { t[c] |= word }
            if isAlnum(b) || "._%+-".utf8.contains(b) { t[c] |= emailLocal }
        }
        return t
    }()
}
