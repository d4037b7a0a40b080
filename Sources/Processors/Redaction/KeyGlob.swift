/// A key pattern with `*` wildcards, matched case-insensitively against the whole key.
public struct KeyGlob: Sendable, Equatable {
    public let source: String
    let parts: [[UInt8]]
    let anchoredStart: Bool
    let anchoredEnd: Bool
    /// Letters and digits the key must hold (`KeyGlob.letters`): one AND rejects most keys.
    let required: UInt64

    public init(_ source: String) {
        self.source = source
        let lowered = Array(source.lowercased().utf8)
        parts = lowered.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: false).map(Array.init).filter { !$0.isEmpty }
        anchoredStart = lowered.first != UInt8(ascii: "*")
        anchoredEnd = lowered.last != UInt8(ascii: "*")
        required = parts.reduce(0) { $0 | KeyGlob.letters($1) }
    }

    /// Whether any of `globs` matches, with the key's letters found once.
    public static func any(_ globs: [KeyGlob], _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !globs.isEmpty else { return false }
        let have = letters(key)
        return globs.contains { $0.required & ~have == 0 && $0.matches(key) }
    }

    /// One bit per ASCII letter (either case) and digit present.
    @inline(__always) static func letters<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var m: UInt64 = 0
        for b in bytes {
            let l = b | 0x20
            if l >= UInt8(ascii: "a"), l <= UInt8(ascii: "z") {
                m |= 1 << UInt64(l - UInt8(ascii: "a"))
            } else if b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
                m |= 1 << UInt64(26 + b - UInt8(ascii: "0"))
            }
        }
        return m
    }

    public func matches(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = key.count
        if parts.isEmpty { return !anchoredStart || n == 0 }
        func at(_ i: Int, _ p: [UInt8]) -> Bool {
            guard i + p.count <= n else { return false }
            for k in 0..<p.count where lower(key[i + k]) != p[k] { return false }
            return true
        }
        var i = 0
        for (index, p) in parts.enumerated() {
            let last = index == parts.count - 1
            if index == 0 && anchoredStart {
                guard at(0, p) else { return false }
                i = p.count
                if last && anchoredEnd { return i == n }
                continue
            }
            if last && anchoredEnd {
                return n - p.count >= i && at(n - p.count, p)
            }
            var found = -1
            var j = i
            while j + p.count <= n {
                if at(j, p) { found = j; break }
                j += 1
            }
            guard found >= 0 else { return false }
            i = found + p.count
        }
        return true
    }
}
