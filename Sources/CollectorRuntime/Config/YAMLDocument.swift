import CollectorCore
import CollectorQueue
import ExporterHelper
import Foundation
import Yams

/// Parses YAML text into a `ConfigNode` (Yams expands anchors and aliases while composing).
enum YAMLDocument {
    static func parse(_ text: String, source: String) throws(ConfigError) -> ConfigNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            // Yams's message spans lines (with a context excerpt); keep the reason and the position.
            let lines = "\(error)".split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            let position = lines.last(where: { $0.hasPrefix("in line") }) ?? ""
            throw ConfigError(source, "not valid YAML: \(lines.first ?? "")\(position.isEmpty ? "" : " (\(position))")")
        }
        guard let root else { return .null }
        return try convert(root, path: "", source: source)
    }

    private static func convert(_ node: Node, path: String, source: String) throws(ConfigError) -> ConfigNode {
        switch node {
        case .scalar(let s):
            if s.tag == Tag(.null) || (s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string)) {
                return .null
            }
            return .scalar(s.string, quoted: s.style != .plain)
        case .sequence(let seq):
            var items: [ConfigNode] = []
            for (i, item) in seq.enumerated() { items.append(try convert(item, path: "\(path)[\(i)]", source: source)) }
            return .sequence(items)
        case .mapping(let map):
            var entries: [ConfigEntry] = []
            for (k, v) in map {
                guard case .scalar(let key) = k else { throw ConfigError(path, "map keys must be plain strings (\(source))") }
                let child = path.isEmpty ? key.string : "\(path).\(key.string)"
                if entries.contains(where: { $0.key == key.string }) { throw ConfigError(child, "key appears twice") }
                entries.append(ConfigEntry(key.string, try convert(v, path: child, source: source)))
            }
            return .mapping(entries)
        case .alias:
            throw ConfigError(path, "unresolved YAML alias")
        }
    }
}
