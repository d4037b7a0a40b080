/// One pass over a text's bytes that finds every built-in detector's matches. Hand-written rather
/// than regular expressions: the loop skips ordinary words a byte class at a time and only looks
/// closer at the few bytes that can start a finding (a digit or `+`/`(` at a word start, `@`, `:`,
/// and the first letters of the known key prefixes); each candidate is then validated (Luhn,
/// mod 97, number ranges, country lengths, base64 JSON headers, context keywords).
///
/// Matches come out in text order and never overlap.
public struct PIIScanner: Sendable {
    /// Bit `d.ordinal` set: detector `d` runs.
    let enabled: UInt32

    public init(enabled: Set<Detector> = Set(Detector.allCases)) {
        self.enabled = enabled.reduce(0) { $0 | 1 << UInt32($1.ordinal) }
    }

    @inline(__always) func on(_ d: Detector) -> Bool { enabled & (1 << UInt32(d.ordinal)) != 0 }

    public func scan(_ t: UnsafeBufferPointer<UInt8>, into out: inout [ScanMatch]) {
        ByteClass.table.withUnsafeBufferPointer { cls in scan(t, cls, &out) }
    }

    private func scan(_ t: UnsafeBufferPointer<UInt8>, _ cls: UnsafeBufferPointer<UInt8>, _ out: inout [ScanMatch]) {
        let n = t.count
        var i = 0
        var found: (Detector, Int, Int)?
        while i < n {
            let c = t[i]
            found = nil
            if cls[Int(c)] & ByteClass.word != 0 {
                if i == 0 || cls[Int(t[i - 1])] & ByteClass.word == 0, let f = atWordStart(t, i) {
                    found = f
                } else {
                    // Skip the rest of the word: nothing starts inside one.
                    i += 1
                    while i < n, cls[Int(t[i])] & ByteClass.word != 0 { i += 1 }
                    continue
                }
            } else {
                switch c {
                case UInt8(ascii: "@"):
                    if on(.email), let (s, e) = email(t, at: i, after: out.last?.end ?? 0) { found = (.email, s, e) }
                case UInt8(ascii: ":"):
                    if on(.urlCredentials), let (s, e) = urlCredentials(t, at: i) {
                        found = (.urlCredentials, s, e)
                    } else if on(.ipAddress), let (s, e) = ipv6(t, colon: i, after: out.last?.end ?? 0) {
                        found = (.ipAddress, s, e)
                    }
                case UInt8(ascii: "+"), UInt8(ascii: "("):
                    if on(.phone), i == 0 || !isWord(t[i - 1]), let e = phoneNumber(t, i) { found = (.phone, i, e) }
                case UInt8(ascii: "-"):
                    if on(.privateKey), let e = pemBlock(t, i) { found = (.privateKey, i, e) }
                default: break
                }
            }
            if let (d, s, e) = found {
                out.append(ScanMatch(start: s, end: e, rule: d.ordinal))
                i = e
            } else {
                i += 1
            }
        }
    }

    // MARK: - Word-start dispatch

    private func atWordStart(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Detector, Int, Int)? {
        let c = t[i]
        if c >= 0x30 && c <= 0x39 { return numeric(t, i) }
        switch c {
        case UInt8(ascii: "s"):
            if let r = prefixedKey(t, i) { return r }
            return awsSecret(t, i)
        case UInt8(ascii: "S"), UInt8(ascii: "a"):
            return awsSecret(t, i)
        case UInt8(ascii: "e"):
            if on(.jwt), let e = jwt(t, i) { return (.jwt, i, e) }
        case UInt8(ascii: "g"):
            if on(.githubToken), let e = github(t, i) { return (.githubToken, i, e) }
        case UInt8(ascii: "x"):
            if on(.slackToken), let e = slack(t, i) { return (.slackToken, i, e) }
        case UInt8(ascii: "B"), UInt8(ascii: "b"):
            if on(.bearerToken), let (s, e) = bearer(t, i) { return (.bearerToken, s, e) }
        default: break
        }
        if c >= 0x41 && c <= 0x5A {
            if c == UInt8(ascii: "A") {
                if on(.awsAccessKey), let e = awsAccessKey(t, i) { return (.awsAccessKey, i, e) }
                if on(.googleAPIKey), let e = googleKey(t, i) { return (.googleAPIKey, i, e) }
                if let r = awsSecret(t, i) { return r }
            }
            if on(.iban), let e = iban(t, i) { return (.iban, i, e) }
        }
        return nil
    }

    // MARK: - Numbers: SSN, cards, IPv4, national phone numbers

    /// Digit groups from `i` joined by single separators (space, dash, dot): their sizes, the
    /// separator kinds, the digits and where the run ends. Held inline (no heap per number).
    private struct Groups {
        var sizes = SmallSizes()
        var digits = SmallDigits()
        /// Bit set: 1 space, 2 dash, 4 dot; `dotsFirst3`: the first three separators are dots.
        var separators = 0
        var dotsFirst3 = true
        var separatorCount = 0
        var end = 0
    }

    private func groups(_ t: UnsafeBufferPointer<UInt8>, _ start: Int, maxDigits: Int = 24) -> Groups {
        var g = Groups()
        var i = start
        let n = t.count
        while true {
            let s = i
            while i < n, isDigit(t[i]), g.digits.count <= maxDigits {
                g.digits.append(t[i])
                i += 1
            }
            g.sizes.append(i - s)
            g.end = i
            guard i + 1 < n, g.sizes.count < 8, g.digits.count <= maxDigits else { break }
            let sep = t[i]
            guard sep == UInt8(ascii: " ") || sep == UInt8(ascii: "-") || sep == UInt8(ascii: "."), isDigit(t[i + 1]) else { break }
            g.separators |= sep == UInt8(ascii: " ") ? 1 : sep == UInt8(ascii: "-") ? 2 : 4
            if g.separatorCount < 3 && sep != UInt8(ascii: ".") { g.dotsFirst3 = false }
            g.separatorCount += 1
            i += 1
        }
        return g
    }

    private func numeric(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Detector, Int, Int)? {
        // A digit group is judged with the groups before it: a sequence the first group did not
        // start as a finding is not searched again from its middle (`DE89 3704 0044 0532 …`).
        if i >= 2, t[i - 1] == UInt8(ascii: " ") || t[i - 1] == UInt8(ascii: "-") || t[i - 1] == UInt8(ascii: "."), isDigit(t[i - 2]) {
            return nil
        }
        let n = t.count
        // Most numbers are short and stand alone: nothing can match them (every finding needs a
        // separator, or 10+ digits led by 0, or 12+ digits), so they cost no group parsing.
        var k = i
        while k < n, isDigit(t[k]) { k += 1 }
        let continues = k + 1 < n && (t[k] == UInt8(ascii: " ") || t[k] == UInt8(ascii: "-") || t[k] == UInt8(ascii: "."))
            && (isDigit(t[k + 1]) || t[k + 1] == UInt8(ascii: "(")) || k < n && t[k] == UInt8(ascii: "(")
        if !continues && (k - i < 10 || k - i < 12 && t[i] != 0x30) { return nil }
        let g = groups(t, i)
        // The run must end at a word boundary (a trailing sentence dot is fine).
        func boundary(_ e: Int) -> Bool { e >= n || !isWord(t[e]) }
        let sizes = g.sizes
        let sepBits = g.separators
        let oneKind = sepBits == 1 || sepBits == 2 || sepBits == 4
        if on(.usSSN), sizes.is(0x324, 3), oneKind, sepBits != 4, boundary(g.end) {
            let v = (0..<9).map { Int(g.digits[$0] - 0x30) }
            if Checksums.validSSN(area: v[0] * 100 + v[1] * 10 + v[2], group: v[3] * 10 + v[4], serial: v[5] * 1000 + v[6] * 100 + v[7] * 10 + v[8]) {
                return (.usSSN, i, g.end)
            }
        }
        if on(.ipAddress), sizes.count >= 4, g.dotsFirst3 {
            if let e = ipv4(t, i), e >= n || !(isWord(t[e]) || t[e] == UInt8(ascii: ".") && e + 1 < n && isDigit(t[e + 1])) {
                return (.ipAddress, i, e)
            }
        }
        if on(.creditCard), (12...19).contains(g.digits.count), sepBits & 4 == 0, sepBits != 3,
           sizes.count == 1 || sizes.allFourButLast || sizes.is(0x465, 3) || sizes.is(0x464, 3),
           boundary(g.end), Checksums.plausibleCard(g.digits.array), Checksums.luhn(g.digits.array) {
            return (.creditCard, i, g.end)
        }
        if on(.phone), let e = phoneNumber(t, i) { return (.phone, i, e) }
        return nil
    }

    private func ipv4(_ t: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        var i = start
        for part in 0..<4 {
            var v = 0, len = 0
            while i < t.count, isDigit(t[i]), len < 4 {
                v = v * 10 + Int(t[i] - 0x30)
                len += 1
                i += 1
            }
            guard len >= 1, len <= 3, v <= 255, !(len > 1 && t[i - len] == 0x30) else { return nil }
            if part < 3 {
                guard i < t.count, t[i] == UInt8(ascii: ".") else { return nil }
                i += 1
            }
        }
        return i
    }

    /// A phone number from `+`, `(` or a digit at a word start: digit groups joined by single
    /// separators (space, dash, dot) or parentheses (`(0161)`, the trunk `(0)`), then classified:
    /// - `+` and 8–15 digits (E.164; a `(0)` trunk prefix is not counted);
    /// - `00` and 10–15 digits (an international prefix);
    /// - national, with separators or an area code in parentheses, 9–12 digits: a trunk `0` first
    ///   (`020 7946 0958`, `06 12 34 56 78`, `(0161) 4960066`), or the North American 3-3-4 shape
    ///   (`(415) 555-0132`, `1 (786) 834-4978`, `415.555.0132`); dates are not taken;
    /// - a bare run only as `0[1-9]` and 10–11 digits (a European national number; ids rarely lead
    ///   with one zero).
    /// An extension (`x1234`, ` ext. 12`) is part of the match.
    private func phoneNumber(_ t: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        let n = t.count
        var i = start
        let plus = t[i] == UInt8(ascii: "+")
        if plus { i += 1 }
        var digits = SmallDigits()
        var sizes = SmallSizes()
        var parens = 0
        var trunk = false
        var seps = 0  // bit set: 1 space, 2 dash, 4 dot
        var end = i
        while i < n, digits.count <= 16, sizes.count < 8 {
            if isDigit(t[i]) {
                let s = i
                while i < n, isDigit(t[i]), digits.count <= 16 { digits.append(t[i]); i += 1 }
                sizes.append(i - s)
            } else if t[i] == UInt8(ascii: "("), i + 2 < n, isDigit(t[i + 1]) {
                var j = i + 1
                while j < n, isDigit(t[j]), j - i <= 5 { j += 1 }
                guard j < n, t[j] == UInt8(ascii: ")") else { break }
                if j - i == 2 && t[i + 1] == 0x30 {
                    trunk = true
                } else {
                    for k in (i + 1)..<j { digits.append(t[k]) }
                    sizes.append(j - i - 1)
                    parens += 1
                }
                i = j + 1
            } else {
                break
            }
            end = i
            guard i < n else { break }
            let c = t[i]
            if isDigit(c) || c == UInt8(ascii: "(") { continue }  // `)123` or `44(0)`
            let bit = c == UInt8(ascii: " ") ? 1 : c == UInt8(ascii: "-") ? 2 : c == UInt8(ascii: ".") ? 4 : 0
            guard bit != 0, i + 1 < n, isDigit(t[i + 1]) || t[i + 1] == UInt8(ascii: "(") else { break }
            seps |= bit
            i += 1
        }
        guard digits.count >= 3, digits.count <= 15 else { return nil }
        // A run that goes on in letters after a dash or dot (`07900030-3553-4abc…`, a UUID) is not a number.
        if end + 1 < n, t[end] == UInt8(ascii: "-") || t[end] == UInt8(ascii: "."), isAlnum(t[end + 1]) { return nil }
        let total = digits.count
        var ok = false
        if plus {
            ok = (8...15).contains(total) && digits[0] != 0x30
        } else if sizes[0] == 1 && digits[0] == 0x30 && seps & 4 != 0 {
            ok = false  // `0.0799…` is a decimal
        } else if sizes[0] >= 2, digits[0] == 0x30, digits[1] == 0x30 {
            // Not card- or IBAN-style blocks of four.
            ok = (10...15).contains(total) && digits[2] != 0x30 && sizes.count >= 2 && !sizes.allFourButLast
        } else if parens > 0 || seps != 0 || trunk {
            // One kind of separator (a space with dashes is common: `1 (786) 834-4978`).
            guard seps == 0 || seps == 1 || seps == 2 || seps == 3 || seps == 4 else { return nil }
            guard (9...12).contains(total) else { return nil }
            let dateLike = sizes.count >= 3 && (sizes[0] == 2 && sizes[1] == 2 && sizes[2] == 4 || sizes[0] == 4 && sizes[1] == 2 && sizes[2] == 2)
            if digits[0] == 0x30 {
                ok = !dateLike && digits[1] != 0x30
            } else {
                ok = sizes.is(0x334, 3) || sizes.is(0x1334, 4) && digits[0] == UInt8(ascii: "1")
            }
        } else {
            ok = digits[0] == 0x30 && digits[1] != 0x30 && (10...11).contains(total)
        }
        guard ok else { return nil }
        return extensionEnd(t, end)
    }

    /// `x1234`, ` x1234`, ` ext. 1234`, ` ext 12` after a phone number; `nil` when a letter or digit
    /// follows that is not an extension (then it was not a phone number).
    private func extensionEnd(_ t: UnsafeBufferPointer<UInt8>, _ end: Int) -> Int? {
        let n = t.count
        guard end < n else { return end }
        var i = end
        if t[i] == UInt8(ascii: " ") { i += 1 }
        if i < n, t[i] == UInt8(ascii: "x") {
            i += 1
        } else if i + 3 <= n, lower(t[i]) == UInt8(ascii: "e"), lower(t[i + 1]) == UInt8(ascii: "x"), lower(t[i + 2]) == UInt8(ascii: "t") {
            i += 3
            if i < n, t[i] == UInt8(ascii: ".") { i += 1 }
            if i < n, t[i] == UInt8(ascii: " ") { i += 1 }
        } else {
            return isWord(t[end]) ? nil : end
        }
        let s = i
        while i < n, isDigit(t[i]), i - s < 6 { i += 1 }
        if i == s || (i < n && isWord(t[i])) { return isWord(t[end]) ? nil : end }
        return i
    }

    // MARK: - E-mail, URLs, IPv6

    /// At `@`: the local part back to its start, the domain forward; a dotted domain with a
    /// letters-only top-level label.
    private func email(_ t: UnsafeBufferPointer<UInt8>, at: Int, after floor: Int) -> (Int, Int)? {
        var s = at
        while s > floor, ByteClass.table[Int(t[s - 1])] & ByteClass.emailLocal != 0 { s -= 1 }
        while s < at, t[s] == UInt8(ascii: ".") { s += 1 }
        guard s < at, t[at - 1] != UInt8(ascii: ".") else { return nil }
        let n = t.count
        var e = at + 1
        var lastDot = -1
        var labelLength = 0
        while e < n {
            let c = t[e]
            if isAlnum(c) || c == UInt8(ascii: "-") {
                labelLength += 1
            } else if c == UInt8(ascii: "."), labelLength > 0, e + 1 < n, isAlnum(t[e + 1]) {
                lastDot = e
                labelLength = 0
            } else {
                break
            }
            e += 1
        }
        guard lastDot > at + 1, e - lastDot - 1 >= 2 else { return nil }
        for k in (lastDot + 1)..<e where !isAlpha(t[k]) { return nil }
        return (s, e)
    }

    /// At `:` of `scheme://user:password@host`: the user information (the host stays).
    private func urlCredentials(_ t: UnsafeBufferPointer<UInt8>, at colon: Int) -> (Int, Int)? {
        let n = t.count
        guard colon + 2 < n, t[colon + 1] == UInt8(ascii: "/"), t[colon + 2] == UInt8(ascii: "/"), colon >= 2 else { return nil }
        var k = colon
        while k > 0, isAlpha(t[k - 1]) || isDigit(t[k - 1]) || t[k - 1] == UInt8(ascii: "+") || t[k - 1] == UInt8(ascii: ".") { k -= 1 }
        guard colon - k >= 2, isAlpha(t[k]) else { return nil }
        let s = colon + 3
        var e = s
        var hasColon = false
        while e < n {
            let c = t[e]
            if c == UInt8(ascii: "@") { break }
            if c == UInt8(ascii: ":") { hasColon = true }
            if c == UInt8(ascii: "/") || c == UInt8(ascii: "?") || c == UInt8(ascii: "#") || c <= 0x20 || c == UInt8(ascii: "\"")
                || c == UInt8(ascii: "'") || c == UInt8(ascii: "<") || c == UInt8(ascii: ">") || c == UInt8(ascii: "\\") { return nil }
            e += 1
            if e - s > 512 { return nil }
        }
        guard e < n, e > s, hasColon || e - s >= 16 else { return nil }
        return (s, e)
    }

    /// At a `:`: an IPv6 address around it (1–4 hex digits a group, one `::` at most, an optional
    /// dotted IPv4 tail), parsed, not pattern-matched; short compressed forms such as `a::b` (C++
    /// scopes, not addresses) are not taken.
    private func ipv6(_ t: UnsafeBufferPointer<UInt8>, colon: Int, after floor: Int) -> (Int, Int)? {
        let n = t.count
        var s = colon
        while s > floor, isHex(t[s - 1]), colon - s < 4 { s -= 1 }
        if s > 0, isWord(t[s - 1]) || t[s - 1] == UInt8(ascii: ":") || t[s - 1] == UInt8(ascii: ".") { return nil }
        var e = colon
        while e < n, isHex(t[e]) || t[e] == UInt8(ascii: ":") || t[e] == UInt8(ascii: ".") { e += 1 }
        while e > colon, t[e - 1] == UInt8(ascii: ".") { e -= 1 }
        if e < n, isWord(t[e]) { return nil }
        guard e - s >= 6, parseIPv6(t, s, e) else { return nil }
        return (s, e)
    }

    private func parseIPv6(_ t: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        var i = s
        var groups = 0
        var compressed = false
        if e - s >= 2, t[s] == UInt8(ascii: ":") {
            guard t[s + 1] == UInt8(ascii: ":") else { return false }
            compressed = true
            i = s + 2
            if i == e { return false }
        }
        while i < e {
            let g = i
            while i < e, isHex(t[i]), i - g < 5 { i += 1 }
            let len = i - g
            if i < e, t[i] == UInt8(ascii: ".") {
                // An IPv4 tail ends the address.
                guard let end = ipv4(t, g), end == e else { return false }
                groups += 2
                i = e
                break
            }
            guard len >= 1, len <= 4 else { return false }
            groups += 1
            if i == e { break }
            guard t[i] == UInt8(ascii: ":") else { return false }
            i += 1
            if i < e, t[i] == UInt8(ascii: ":") {
                if compressed { return false }
                compressed = true
                i += 1
                if i == e { break }
            } else if i == e {
                return false
            }
        }
        return compressed ? groups >= 2 && groups <= 7 : groups == 8
    }

    // MARK: - Keys and tokens

    /// `sk-ant-…` (Anthropic) and `sk-…`, `sk-proj-…` (OpenAI): at least 20 key characters after the
    /// prefix, with both letters and digits.
    private func prefixedKey(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Detector, Int, Int)? {
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
    private func awsAccessKey(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
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
    private func awsSecret(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Detector, Int, Int)? {
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
    private func github(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
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
    private func slack(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        let n = t.count
        guard i + 5 < n, t[i + 1] == UInt8(ascii: "o"), t[i + 2] == UInt8(ascii: "x"), "bpasro".utf8.contains(t[i + 3]),
              t[i + 4] == UInt8(ascii: "-") else { return nil }
        var e = i + 5
        var digits = 0
        while e < n, isAlnum(t[e]) || t[e] == UInt8(ascii: "-") {
            if isDigit(t[e]) { digits += 1 }
            e += 1
        }
        return e - i - 5 >= 10 && digits >= 4 ? e : nil
    }

    /// `AIza` and exactly 35 characters.
    private func googleKey(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard has(t, i, "AIza"), i + 39 <= t.count else { return nil }
        for k in (i + 4)..<(i + 39) where !(isAlnum(t[k]) || t[k] == UInt8(ascii: "_") || t[k] == UInt8(ascii: "-")) { return nil }
        if i + 39 < t.count, isWord(t[i + 39]) || t[i + 39] == UInt8(ascii: "-") { return nil }
        return i + 39
    }

    /// `Bearer <token>` (any case): the token, 16+ characters of the RFC 6750 token alphabet.
    private func bearer(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int, Int)? {
        guard hasCaseInsensitive(t, i, "bearer"), i + 7 < t.count, t[i + 6] == UInt8(ascii: " ") else { return nil }
        var s = i + 7
        while s < t.count, t[s] == UInt8(ascii: " ") { s += 1 }
        var e = s
        while e < t.count, isAlnum(t[e]) || "-._~+/=".utf8.contains(t[e]) { e += 1 }
        return e - s >= 16 ? (s, e) : nil
    }

    /// A JWT: three base64url segments; the first decodes to a JSON object (the header).
    private func jwt(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
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
        // A third dot ends the token only as punctuation (`… eyJ….sig.` at a sentence end).
        guard dots == 2, headerEnd - i >= 10, !(e + 1 < n && t[e] == UInt8(ascii: ".") && isWord(t[e + 1])) else { return nil }
        // The header must decode to `{"…`.
        guard let head = Base64URL.decodePrefix(t, i, headerEnd, bytes: 2), head == [UInt8(ascii: "{"), UInt8(ascii: "\"")] else { return nil }
        return e
    }

    /// `-----BEGIN … PRIVATE KEY-----` to its END line; an unterminated block runs to the end of the text.
    private func pemBlock(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
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
    private func iban(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        let n = t.count
        guard i + 4 < n, isUpper(t[i + 1]), isDigit(t[i + 2]), isDigit(t[i + 3]),
              let length = Checksums.ibanLengths[UInt16(t[i]) << 8 | UInt16(t[i + 1])] else { return nil }
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

    // MARK: - Bytes

    @inline(__always) private func has(_ t: UnsafeBufferPointer<UInt8>, _ i: Int, _ s: StaticString) -> Bool {
        let len = s.utf8CodeUnitCount
        guard i + len <= t.count else { return false }
        let p = s.utf8Start
        for k in 0..<len where t[i + k] != p[k] { return false }
        return true
    }

    @inline(__always) private func hasCaseInsensitive(_ t: UnsafeBufferPointer<UInt8>, _ i: Int, _ s: StaticString) -> Bool {
        let len = s.utf8CodeUnitCount
        guard i + len <= t.count else { return false }
        let p = s.utf8Start
        for k in 0..<len where lower(t[i + k]) != p[k] { return false }
        return true
    }
}

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

/// Up to 32 digits, inline.
struct SmallDigits {
    private var storage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private(set) var count = 0

    @inline(__always) mutating func append(_ d: UInt8) {
        guard count < 32 else { count += 1; return }
        let c = count
        withUnsafeMutableBytes(of: &storage) { $0[c] = d }
        count += 1
    }

    @inline(__always) subscript(i: Int) -> UInt8 { withUnsafeBytes(of: storage) { $0[i] } }

    var array: [UInt8] { (0..<min(count, 32)).map { self[$0] } }
}

/// Up to 8 group sizes, inline, as nibbles (sizes above 15 read as 15), so a shape is one compare.
struct SmallSizes {
    private(set) var shape: UInt64 = 0
    private(set) var count = 0

    @inline(__always) mutating func append(_ size: Int) {
        shape = shape << 4 | UInt64(min(size, 15))
        count += 1
    }

    @inline(__always) subscript(i: Int) -> Int { Int(shape >> UInt64(4 * (count - 1 - i)) & 0xF) }

    /// Exactly these sizes, written as hex digits: `is(0x334, 3)` is 3-3-4.
    @inline(__always) func `is`(_ s: UInt64, _ n: Int) -> Bool { count == n && shape == s }

    /// Every group but the last has four digits (card and IBAN style blocks).
    var allFourButLast: Bool {
        guard count >= 2 else { return count == 1 ? true : false }
        for i in 0..<(count - 1) where self[i] != 4 { return false }
        return true
    }
}
