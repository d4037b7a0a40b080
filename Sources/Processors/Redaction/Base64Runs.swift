/// Secrets hidden in base64 inside a text (`…token: YWxpY2VAZXhhbXBsZS5jb20=`): runs of base64
/// that decode to text are scanned too, and a run with a finding is replaced whole. A run that
/// decodes to binary (an image, a hash) is left after its first bytes show it.
enum Base64Runs {
    /// Runs shorter than this cannot hold a finding worth the look (the shortest, an e-mail, is
    /// about a dozen bytes: sixteen base64 characters).
    static let minimumLength = 16
    /// Decoded bytes checked for text before the whole run is decoded.
    static let probe = 48

    static func findings(_ t: UnsafeBufferPointer<UInt8>, _ redactor: TextRedactor, into matches: inout [ScanMatch]) {
        let n = t.count
        guard n >= minimumLength, let base = t.baseAddress else { return }
        var found: [ScanMatch] = []
        var inner: [ScanMatch] = []
        var next = 0  // index into `matches`, which is sorted
        classes.withUnsafeBufferPointer { c in
            // A run of sixteen or more holds a whole aligned block of eight, so blocks are tested
            // first, eight lookups and one branch each; prose rarely passes.
            var block = 0
            while block + 8 <= n {
                let p = base + block
                // Every base64 character is ASCII from `+` (0x2B) up: a block with a space, a quote,
                // a comma, a newline or a byte of 0x80 and up is out in a few instructions.
                let w = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
                let below = (w &- 0x2B2B_2B2B_2B2B_2B2B) & ~w & 0x8080_8080_8080_8080
                guard below | (w & 0x8080_8080_8080_8080) == 0 else { block += 8; continue }
                let all =
                    c[Int(p[0])] & c[Int(p[1])] & c[Int(p[2])] & c[Int(p[3])]
                    & c[Int(p[4])] & c[Int(p[5])] & c[Int(p[6])] & c[Int(p[7])]
                guard all & base64 != 0 else { block += 8; continue }
                var s = block
                while s > 0, c[Int(base[s - 1])] != 0 { s -= 1 }
                var e = block + 8
                while e < n, c[Int(base[e])] != 0 { e += 1 }
                var end = e
                while end < n, end - e < 2, base[end] == UInt8(ascii: "=") { end += 1 }
                block = (e + 8) & ~7
                guard e - s >= minimumLength else { continue }
                // Base64 of text mixes cases; a long word or a lower-case hex hash does not.
                var kinds: UInt8 = 0
                for k in s..<e { kinds |= c[Int(base[k])] }
                guard kinds & (upper | lower) == upper | lower else { continue }
                // Runs inside an existing finding (a JWT, a key) are already covered.
                while next < matches.count, matches[next].end <= s { next += 1 }
                if next < matches.count, matches[next].start < end { continue }
                guard let decoded = decodeText(t, s, e) else { continue }
                decoded.withUnsafeBufferPointer { redactor.matches($0, into: &inner) }
                if let first = inner.first { found.append(ScanMatch(start: s, end: end, rule: first.rule)) }
            }
        }
        guard !found.isEmpty else { return }
        matches += found
        matches.sort { $0.start < $1.start }
    }

    static let upper: UInt8 = 1, lower: UInt8 = 2, other: UInt8 = 4
    /// Set on every base64 character, so the AND of a block's classes says whether all are.
    static let base64: UInt8 = 8

    /// Base64 characters by kind (0: not base64).
    static let classes: [UInt8] = {
        var c = [UInt8](repeating: 0, count: 256)
        for b in 0..<256 {
            let x = UInt8(b)
            if isUpper(x) {
                c[b] = upper | base64
            } else if isAlpha(x) {
                c[b] = lower | base64
            } else if isDigit(x) || "+/-_".utf8.contains(x) {
                c[b] = other | base64
            }
        }
        return c
    }()

    /// The run decoded (standard or URL alphabet), when it is text: printable ASCII, tabs and
    /// newlines, or UTF-8 beyond ASCII.
    static func decodeText(_ t: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> [UInt8]? {
        // Twelve bytes tell most binary apart; then the probe; then the whole run.
        guard headIsText(t, s),
            let head = Base64URL.decodePrefix(t, s, min(e, s + probe * 4 / 3), bytes: min(probe, (e - s) * 3 / 4)),
            isText(head)
        else { return nil }
        guard let all = Base64URL.decodePrefix(t, s, e, bytes: (e - s) * 3 / 4), isText(all) else { return nil }
        return all
    }

    /// The first sixteen characters decoded to twelve bytes of text, without an allocation: most
    /// mixed-case identifiers and random keys fail here.
    static func headIsText(_ t: UnsafeBufferPointer<UInt8>, _ s: Int) -> Bool {
        var acc: UInt32 = 0
        var alnum = false
        for q in 0..<4 {
            acc = 0
            for k in 0..<4 {
                guard let v = sextet(t[s + q * 4 + k]) else { return false }
                acc = acc << 6 | v
            }
            for shift in [16, 8, 0] as [UInt32] {
                let b = UInt8((acc >> shift) & 0xFF)
                guard (b >= 0x20 && b < 0x7F) || b == 0x09 || b == 0x0A || b == 0x0D || b >= 0x80 else { return false }
                alnum = alnum || isAlnum(b)
            }
        }
        return alnum
    }

    @inline(__always) static func sextet(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x41...0x5A: return UInt32(c - 0x41)
        case 0x61...0x7A: return UInt32(c - 0x61 + 26)
        case 0x30...0x39: return UInt32(c - 0x30 + 52)
        case UInt8(ascii: "-"), UInt8(ascii: "+"): return 62
        case UInt8(ascii: "_"), UInt8(ascii: "/"): return 63
        default: return nil
        }
    }

    static func isText(_ b: [UInt8]) -> Bool {
        b.allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 >= 0x80 }
            && b.contains { isAlnum($0) }
    }
}
