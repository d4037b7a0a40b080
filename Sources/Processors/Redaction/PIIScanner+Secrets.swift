extension PIIScanner {
    // MARK: - Keys and tokens

    /// `sk-ant-…` (Anthropic) and `sk-…`, `sk-proj-…` (OpenAI): at least 20 key characters after the
    /// prefix, with both letters and digits.
    func prefixedKey(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Detector, Int, Int)? {
        guard i + 3 < t.count, t[i + 1] == UInt8(ascii: "k"), t[i + 2] == UInt8(ascii: "-") else { return nil }
        let anthropic = has(t, i, "sk-ant-")
        let d: Detector = anthropic ? .anthropicKey : .openAIKey
        guard on(d) else { return nil }
        let body = i + (anthropic ? 7 : 3)
        var e = body
        var letters = false, digits = false
        while e < t.count, isAlnum(t[e]) || t[e] == UInt8(ascii: "-") || t[e] == UInt8(ascii: "_") {
            if isDigit(t[e]) { digits = true } else if isAlpha(t[e]) { letters = true }
            e += 1
        }
        guard e - body >= 20, letters, digits else { return nil }
        return (d, i, e)
    }

    /// AWS access key ids: a known four-letter prefix and 16 upper-case letters or digits.
    func awsAccessKey(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard i + 20 <= t.count else { return nil }
        let prefixes: [StaticString] = ["AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "AROA", "APKA", "ASCA"]
        guard prefixes.contains(where: { has(t, i, $0) }) else { return nil }
        for k in (i + 4)..<(i + 20) where !(isUpper(t[k]) || isDigit(t[k])) { return nil }
        if i + 20 < t.count, isWord(t[i + 20]) { return nil }
        return i + 20
    }

    /// An AWS secret access key: 40 base64 characters after a key name that says so
    /// (`aws_secret_access_key = …`, `"SecretAccessKey": "…"`); without that context a 40-character
    /// string is as likely a hash.
    func awsSecret(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Detector, Int, Int)? {
        // Only `aws…` and `secret…` names: two bytes decide for nearly every word.
        guard on(.awsSecretKey), i + 1 < t.count else { return nil }
        let c0 = lower(t[i]), c1 = lower(t[i + 1])
        guard c0 == UInt8(ascii: "a") && c1 == UInt8(ascii: "w") || c0 == UInt8(ascii: "s") && c1 == UInt8(ascii: "e") else { return nil }
        var k = -1
        let names: [StaticString] = ["aws_secret_access_key", "secret_access_key", "aws_secret_key", "secretaccesskey", "aws-secret-access-key"]
        for name in names where hasCaseInsensitive(t, i, name) {
            k = i + name.utf8CodeUnitCount
            break
        }
        guard k >= 0 else { return nil }
        let n = t.count
        func skip() { while k < n, t[k] == 0x20 || t[k] == 0x09 || t[k] == UInt8(ascii: "\"") || t[k] == UInt8(ascii: "'") { k += 1 } }
        skip()
        guard k < n, t[k] == UInt8(ascii: "=") || t[k] == UInt8(ascii: ":") else { return nil }
        k += 1
        skip()
        let s = k
        while k < n, isAlnum(t[k]) || t[k] == UInt8(ascii: "/") || t[k] == UInt8(ascii: "+") { k += 1 }
        guard k - s == 40, k >= n || !(isWord(t[k]) || t[k] == UInt8(ascii: "=")) else { return nil }
        return (.awsSecretKey, s, k)
    }

    /// `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` and 36+ characters; `github_pat_` and 22+.
    func github(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        let n = t.count
        var body: Int
        var minimum: Int
        if i + 4 < n, t[i + 1] == UInt8(ascii: "h"), "pousr".utf8.contains(t[i + 2]), t[i + 3] == UInt8(ascii: "_") {
            body = i + 4
            minimum = 36
        } else if has(t, i, "github_pat_") {
            body = i + 11
            minimum = 22
        } else {
            return nil
        }
        var e = body
        while e < n, isAlnum(t[e]) || t[e] == UInt8(ascii: "_") { e += 1 }
        return e - body >= minimum ? e : nil
    }

    /// `xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`, `xoxo-` and 10+ token characters.
    func slack(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        let n = t.count
        guard i + 5 < n, t[i + 1] == UInt8(ascii: "o"), t[i + 2] == UInt8(ascii: "x"), "bpasro".utf8.contains(t[i + 3]),
            t[i + 4] == UInt8(ascii: "-")
        else { return nil }
        var e = i + 5
        var digits = 0
        while e < n, isAlnum(t[e]) || t[e] == UInt8(ascii: "-") {
            if isDigit(t[e]) { digits += 1 }
            e += 1
        }
        return e - i - 5 >= 10 && digits >= 4 ? e : nil
    }

    /// `AIza` and exactly 35 characters.
    func googleKey(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard has(t, i, "AIza"), i + 39 <= t.count else { return nil }
        for k in (i + 4)..<(i + 39) where !(isAlnum(t[k]) || t[k] == UInt8(ascii: "_") || t[k] == UInt8(ascii: "-")) { return nil }
        if i + 39 < t.count, isWord(t[i + 39]) || t[i + 39] == UInt8(ascii: "-") { return nil }
        return i + 39
    }

    /// `Bearer <token>` (any case): the token, 16+ characters of the RFC 6750 token alphabet.
    func bearer(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int, Int)? {
        guard hasCaseInsensitive(t, i, "bearer"), i + 7 < t.count, t[i + 6] == UInt8(ascii: " ") else { return nil }
        var s = i + 7
        while s < t.count, t[s] == UInt8(ascii: " ") { s += 1 }
        var e = s
        while e < t.count, isAlnum(t[e]) || "-._~+/=".utf8.contains(t[e]) { e += 1 }
        return e - s >= 16 ? (s, e) : nil
    }

    /// HTTP Basic credentials written out (`Authorization: Basic dXNlcjpodW50ZXIy`): the base64 after
    /// `Basic `, when it decodes to printable `user:password`.
    func basicAuth(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int, Int)? {
        guard hasCaseInsensitive(t, i, "basic"), i + 6 < t.count, t[i + 5] == UInt8(ascii: " ") else { return nil }
        var s = i + 6
        while s < t.count, t[s] == UInt8(ascii: " ") { s += 1 }
        var e = s
        while e < t.count, isAlnum(t[e]) || t[e] == UInt8(ascii: "+") || t[e] == UInt8(ascii: "/") { e += 1 }
        var padded = e
        while padded < t.count, padded - e < 2, t[padded] == UInt8(ascii: "=") { padded += 1 }
        guard e - s >= 8, padded >= t.count || !isWord(t[padded]),
            let decoded = Base64URL.decodePrefix(t, s, e, bytes: (e - s) * 3 / 4),
            decoded.contains(UInt8(ascii: ":")), decoded.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
        else { return nil }
        return (s, padded)
    }

    /// A JWT: three base64url segments; the first decodes to a JSON object (the header).
    func jwt(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard has(t, i, "eyJ") else { return nil }
        let n = t.count
        var e = i
        var dots = 0
        var headerEnd = -1
        while e < n {
            let c = t[e]
            if isAlnum(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") {
                e += 1
            } else if c == UInt8(ascii: "."), dots < 2 {
                if dots == 0 { headerEnd = e }
                dots += 1
                e += 1
            } else {
                break
            }
        }
        // Three segments, whatever follows (`…sig.` at a sentence end, `k.<jwt>.x` in a key): the
        // header check below is what tells a token from a dotted name.
        guard dots == 2, headerEnd - i >= 10 else { return nil }
        // The header must decode to `{"…`.
        guard let head = Base64URL.decodePrefix(t, i, headerEnd, bytes: 2), head == [UInt8(ascii: "{"), UInt8(ascii: "\"")] else { return nil }
        return e
    }

    /// `-----BEGIN … PRIVATE KEY-----` to its END line; an unterminated block runs to the end of the text.
    func pemBlock(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard has(t, i, "-----BEGIN ") else { return nil }
        let n = t.count
        var k = i + 11
        while k < n, k - i < 60, t[k] != UInt8(ascii: "-"), t[k] != UInt8(ascii: "\n") { k += 1 }
        guard k - 11 >= i + 11, has(t, k - 11, "PRIVATE KEY"), has(t, k, "-----") else { return nil }
        var e = k + 5
        while e < n {
            if t[e] == UInt8(ascii: "-"), has(t, e, "-----END ") {
                var m = e + 9
                while m < n, m - e < 60, t[m] != UInt8(ascii: "\n") {
                    if has(t, m, "KEY-----") { return m + 8 }
                    m += 1
                }
            }
            e += 1
        }
        return n
    }

    /// Two letters of a country with a known IBAN length, two check digits, the rest (groups of four
    /// may be separated by single spaces), then mod 97.
    func iban(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        let n = t.count
        guard i + 4 < n, isUpper(t[i + 1]), isDigit(t[i + 2]), isDigit(t[i + 3]),
            let length = Checksums.ibanLengths[UInt16(t[i]) << 8 | UInt16(t[i + 1])]
        else { return nil }
        var chars: [UInt8] = []
        chars.reserveCapacity(length)
        var e = i
        while e < n, chars.count < length {
            let c = t[e]
            if isUpper(c) || isDigit(c) {
                chars.append(c)
                e += 1
            } else if c == UInt8(ascii: " "), chars.count % 4 == 0, e + 1 < n, isUpper(t[e + 1]) || isDigit(t[e + 1]) {
                e += 1
            } else {
                break
            }
        }
        guard chars.count == length, e >= n || !isWord(t[e]), Checksums.ibanMod97(chars) else { return nil }
        return e
    }
}

enum Base64URL {
    /// The first `bytes` decoded bytes of a base64url segment `t[s..<e]`.
    static func decodePrefix(_ t: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, bytes: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var acc: UInt32 = 0
        var bits = 0
        var i = s
        while i < e, out.count < bytes {
            let c = t[i]
            let v: UInt32
            switch c {
            case 0x41...0x5A: v = UInt32(c - 0x41)
            case 0x61...0x7A: v = UInt32(c - 0x61 + 26)
            case 0x30...0x39: v = UInt32(c - 0x30 + 52)
            case UInt8(ascii: "-"), UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "_"), UInt8(ascii: "/"): v = 63
            default: return nil
            }
            acc = acc << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xFF))
            }
            i += 1
        }
        return out.count == bytes ? out : nil
    }
}
