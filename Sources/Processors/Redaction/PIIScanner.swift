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

    func scan(_ t: UnsafeBufferPointer<UInt8>, _ cls: UnsafeBufferPointer<UInt8>, _ out: inout [ScanMatch]) {
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

    func atWordStart(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Detector, Int, Int)? {
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
            if on(.basicAuth), let (s, e) = basicAuth(t, i) { return (.basicAuth, s, e) }
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

    // MARK: - Bytes

    @inline(__always) func has(_ t: UnsafeBufferPointer<UInt8>, _ i: Int, _ s: StaticString) -> Bool {
        let len = s.utf8CodeUnitCount
        guard i + len <= t.count else { return false }
        let p = s.utf8Start
        for k in 0..<len where t[i + k] != p[k] { return false }
        return true
    }

    @inline(__always) func hasCaseInsensitive(_ t: UnsafeBufferPointer<UInt8>, _ i: Int, _ s: StaticString) -> Bool {
        let len = s.utf8CodeUnitCount
        guard i + len <= t.count else { return false }
        let p = s.utf8Start
        for k in 0..<len where lower(t[i + k]) != p[k] { return false }
        return true
    }
}
