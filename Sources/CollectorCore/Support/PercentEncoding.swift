/// RFC 3986 percent-encoding: the unreserved characters `A-Z a-z 0-9 - _ . ~` as they are, every
/// other byte of the UTF-8 as `%XX` (upper-case hex).
public enum PercentEncoding {
    /// `keepSlash`: leave `/` as it is (a URL path).
    public static func encode(_ s: String, keepSlash: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            if isUnreserved(b) || (keepSlash && b == UInt8(ascii: "/")) {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                Hex.append(b, to: &out, uppercase: true)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The text `s` encodes; nil for a malformed escape or bytes that are not UTF-8.
    public static func decode(_ s: String) -> String? {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            guard b == UInt8(ascii: "%") else { bytes.append(b); continue }
            guard it.count >= 2, let hi = Hex.nibble(it.removeFirst()), let lo = Hex.nibble(it.removeFirst()) else { return nil }
            bytes.append(hi << 4 | lo)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func isUnreserved(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: "~")
    }
}
