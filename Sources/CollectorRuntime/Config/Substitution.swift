import CollectorCore
import CollectorQueue
import ExporterHelper
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Expands `${env:VAR}`, `${VAR}`, `${env:VAR:-default}` and `${file:PATH}` in every scalar, as the
/// OpenTelemetry Collector does; `$$` is a literal `$`. Expansion happens after parsing, so a value
/// can never inject YAML structure. An unset variable without a default is an error, not "".
struct Substitution {
    var environment: [String: String]
    var readFile: (String) throws(ConfigError) -> String
    /// Every value put in place, with the reference it came from, so that messages can name the
    /// reference instead of the value (a secret, or a whole file).
    let log = SubstitutionLog()

    static func live() -> Substitution {
        Substitution(environment: ProcessEnvironment.variables) { (path) throws(ConfigError) -> String in
            try FileText.read(path)
        }
    }

    func apply(_ node: ConfigNode, path: String = "") throws(ConfigError) -> ConfigNode {
        switch node {
        case .scalar(let s, let quoted):
            guard s.contains("$") else { return node }
            let value = try expand(s, path: path)
            if value != s { log.record(path: path, value: value, source: s) }
            return .scalar(value, quoted: quoted)
        case .sequence(let items):
            var out: [ConfigNode] = []
            for (i, item) in items.enumerated() { out.append(try apply(item, path: "\(path)[\(i)]")) }
            return .sequence(out)
        case .mapping(let entries):
            var out: [ConfigEntry] = []
            for e in entries { out.append(ConfigEntry(e.key, try apply(e.value, path: path.isEmpty ? e.key : "\(path).\(e.key)"))) }
            return .mapping(out)
        case .null:
            return node
        }
    }

    /// References may nest, innermost first: `${file:${env:TOKEN_FILE:-/run/secrets/token}}`.
    func expand(_ text: String, path: String, depth: Int = 0) throws(ConfigError) -> String {
        guard depth < 4 else { throw ConfigError(path, "references nested more than four deep") }
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            let next = text.index(after: i)
            guard c == "$", next < text.endIndex else { out.append(c); i = next; continue }
            if text[next] == "$" { out.append("$"); i = text.index(after: next); continue }
            guard text[next] == "{" else { out.append(c); i = next; continue }
            guard let close = Self.matchingBrace(text, after: next) else {
                throw ConfigError(path, "unclosed '${' in '\(text)'")
            }
            let inner = String(text[text.index(after: next)..<close])
            let reference = inner.contains("${") ? try expand(inner, path: path, depth: depth + 1) : inner
            out += try resolve(reference, path: path)
            i = text.index(after: close)
        }
        return out
    }

    /// The `}` that closes the `{` at `open`, counting the `${` opened inside.
    static func matchingBrace(_ text: String, after open: String.Index) -> String.Index? {
        var depth = 0
        var i = text.index(after: open)
        while i < text.endIndex {
            let c = text[i]
            if c == "$", text.index(after: i) < text.endIndex, text[text.index(after: i)] == "{" {
                depth += 1
                i = text.index(i, offsetBy: 2)
                continue
            }
            if c == "}" {
                if depth == 0 { return i }
                depth -= 1
            }
            i = text.index(after: i)
        }
        return nil
    }

    private func resolve(_ reference: String, path: String) throws(ConfigError) -> String {
        if reference.hasPrefix("file:") {
            let file = String(reference.dropFirst(5))
            guard !file.isEmpty else { throw ConfigError(path, "${file:} needs a path") }
            var content = try readFile(file)
            if content.hasSuffix("\n") { content.removeLast() }  // a mounted secret usually ends in a newline
            return content
        }
        var name = reference.hasPrefix("env:") ? String(reference.dropFirst(4)) : reference
        var fallback: String?
        if let r = name.range(of: ":-") {
            fallback = String(name[r.upperBound...])
            name = String(name[..<r.lowerBound])
        }
        guard let first = name.first, first.isLetter || first == "_", name.count <= 200,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else {
            throw ConfigError(path, "'${\(reference)}' is not a variable reference (${env:NAME}, ${env:NAME:-default} or ${file:PATH})")
        }
        if let value = environment[name] { return value }
        if let fallback { return fallback }
        throw ConfigError(path, "environment variable \(name) is not set (give a default with ${env:\(name):-value})")
    }
}

/// Whole-file reads for configs and secrets.
enum FileText {
    static func read(_ path: String) throws(ConfigError) -> String {
        guard let f = fopen(path, "rb") else {
            throw ConfigError("", "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > 16 << 20 { throw ConfigError("", "\(path) is larger than 16 MiB") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// What substitution put where. `redact` rewrites a message about a key so that any value substituted
/// at that key (or below it) appears as its reference (`${file:/run/secrets/token}`), never as itself.
public final class SubstitutionLog: Sendable {
    private let entries = Mutex<[(path: String, value: String, source: String)]>([])

    func record(path: String, value: String, source: String) {
        entries.withLock { $0.append((path, value, source)) }
    }

    public func redact(_ error: ConfigError) -> ConfigError {
        let relevant = entries.withLock { all in
            all.filter {
                !$0.value.isEmpty
                    && (error.path.isEmpty || $0.path == error.path || $0.path.hasPrefix(error.path + ".")
                        || $0.path.hasPrefix(error.path + "["))
            }
        }
        var message = error.message
        // Longest values first, so a value that contains another is replaced whole.
        for e in relevant.sorted(by: { $0.value.count > $1.value.count }) {
            message = message.replacingOccurrences(of: e.value, with: e.source)
        }
        return ConfigError(error.path, message)
    }
}
