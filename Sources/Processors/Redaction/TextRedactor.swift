import CollectorCore
import Crypto

/// A redaction rule: a built-in detector, a custom pattern or a word list, with its action.
struct RedactionRule: Sendable {
    enum Kind: Sendable {
        case builtin(Detector)
        case pattern(CompiledPattern)
        /// Lower-cased words, matched case-insensitively at word boundaries.
        case words([[UInt8]])
    }

    let name: String
    let kind: Kind
    let action: RedactionAction
    /// `<EMAIL>`, `<EMPLOYEE_ID>` ...
    let placeholder: [UInt8]
}

/// What redacting one text found: the new text (nil when unchanged), how many matches of each rule,
/// and whether a `drop` rule matched (the caller removes the whole value).
struct TextOutcome {
    var text: [UInt8]?
    var counts: [(rule: Int, n: Int)] = []
    var drop = false
    /// Values replaced because their JSON key is on the deny list.
    var denied = 0

    mutating func count(_ rule: Int) {
        if let i = counts.firstIndex(where: { $0.rule == rule }) { counts[i].n += 1 } else { counts.append((rule, 1)) }
    }
}

/// Finds and replaces matches in plain text: the built-in scanner first, then custom patterns and
/// word lists over what is left.
struct TextRedactor: Sendable {
    let rules: [RedactionRule]
    let scanner: PIIScanner
    let hashKey: SymmetricKey?
    private let extraRules: [Int]

    init(rules: [RedactionRule], hashKey: SymmetricKey?) {
        self.rules = rules
        self.hashKey = hashKey
        var enabled = Set<Detector>()
        for r in rules where r.action != .off { if case .builtin(let d) = r.kind { enabled.insert(d) } }
        scanner = PIIScanner(enabled: enabled)
        extraRules = rules.indices.filter { i in
            guard rules[i].action != .off else { return false }
            if case .builtin = rules[i].kind { return false }
            return true
        }
    }

    /// The matches in `t`, in order, without overlaps.
    func matches(_ t: UnsafeBufferPointer<UInt8>, into out: inout [ScanMatch]) {
        out.removeAll(keepingCapacity: true)
        scanner.scan(t, into: &out)
        guard !extraRules.isEmpty else { return }
        let before = out.count
        var text: String?
        for r in extraRules {
            switch rules[r].kind {
            case .pattern(let p):
                let s = text ?? String(decoding: t, as: UTF8.self)
                text = s
                for range in p.byteRanges(in: s) { out.append(ScanMatch(start: range.lowerBound, end: range.upperBound, rule: r)) }
            case .words(let words):
                Self.words(t, words, rule: r, into: &out)
            case .builtin:
                break
            }
        }
        if out.count > before {
            out.sort { ($0.start, -$0.end) < ($1.start, -$1.end) }
            var kept: [ScanMatch] = []
            var end = 0
            for m in out where m.start >= end {
                kept.append(m)
                end = m.end
            }
            out = kept
        }
    }

    static func words(_ t: UnsafeBufferPointer<UInt8>, _ words: [[UInt8]], rule: Int, into out: inout [ScanMatch]) {
        let n = t.count
        var i = 0
        while i < n {
            guard isAlnum(t[i]), i == 0 || !isAlnum(t[i - 1]) else { i += 1; continue }
            for w in words where i + w.count <= n {
                var ok = true
                for k in 0..<w.count where lower(t[i + k]) != w[k] { ok = false; break }
                if ok, i + w.count == n || !isAlnum(t[i + w.count]) {
                    out.append(ScanMatch(start: i, end: i + w.count, rule: rule))
                    break
                }
            }
            i += 1
        }
    }

    /// Every finding in `t`, normalized and inside base64 runs, as ranges of `t`; returns the
    /// normalized text when there was one (for pseudonyms of the value as read).
    @discardableResult
    func findings(_ t: UnsafeBufferPointer<UInt8>, into scratch: inout [ScanMatch]) -> NormalizedText? {
        let normalized = NormalizedText.mayChange(t) ? NormalizedText.make(t) : nil
        if let normalized {
            normalized.bytes.withUnsafeBufferPointer { matches($0, into: &scratch) }
            for k in scratch.indices {
                (scratch[k].start, scratch[k].end) = normalized.original(scratch[k].start, scratch[k].end)
            }
        } else {
            matches(t, into: &scratch)
        }
        Base64Runs.findings(t, self, into: &scratch)
        return normalized
    }

    /// Redacts `t`; `outcome.text` is nil when nothing matched. The detectors see the text
    /// normalized (`NormalizedText`: invisible characters removed, compatibility forms folded,
    /// percent and `\u` escapes decoded) and inside base64 runs (`Base64Runs`); each finding is
    /// replaced over the original bytes it came from.
    func redact(_ t: UnsafeBufferPointer<UInt8>, scratch: inout [ScanMatch], into outcome: inout TextOutcome) {
        let normalized = findings(t, into: &scratch)
        guard !scratch.isEmpty else { return }
        var out: [UInt8] = []
        out.reserveCapacity(t.count)
        var at = 0
        for m in scratch {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: t[at..<m.start]))
            // A pseudonym is of the value as read: the same address hashes alike however disguised.
            if rules[m.rule].action == .hash, let normalized {
                let value = Array(normalized.bytes[normalized.indices(of: m.start, m.end)])
                value.withUnsafeBufferPointer { replacement(m.rule, $0, into: &out) }
            } else {
                replacement(m.rule, UnsafeBufferPointer(rebasing: t[m.start..<m.end]), into: &out)
            }
            outcome.count(m.rule)
            if rules[m.rule].action == .drop { outcome.drop = true }
            at = m.end
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: t[at...]))
        outcome.text = out
    }

    /// `<NAME>`, or `<NAME:8 hex>` with `hash` (HMAC-SHA256 of the value; e-mail addresses lower-cased
    /// first, so case does not split one person in two).
    func replacement(_ rule: Int, _ value: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let r = rules[rule]
        guard r.action == .hash, let key = hashKey else {
            out.append(contentsOf: r.placeholder)
            return
        }
        var input = Array(value)
        if case .builtin(.email) = r.kind { input = input.map(lower) }
        let mac = HMAC<SHA256>.authenticationCode(for: input, using: key)
        out.append(contentsOf: r.placeholder.dropLast())
        out.append(UInt8(ascii: ":"))
        for b in mac.prefix(4) { Hex.append(b, to: &out) }
        out.append(UInt8(ascii: ">"))
    }
}
