import CollectorCore
import ComponentModel
import ExporterHelper
import Foundation
import NIOHTTP1
import Synchronization

/// Prompt ids for rows written straight to ClickHouse. Observations name their prompt by name and
/// version; Langfuse's UI links a prompt by `prompt_id`, which only Langfuse knows. Each (name,
/// version) is asked of the Langfuse API once (`GET /api/public/v2/prompts/{name}?version=N`) and
/// kept for `ttl`; one Langfuse does not have, or a failed lookup, is not asked again for
/// `negative_ttl`. A lookup that fails or times out leaves the id empty and is counted
/// (`genai_collector_prompt_lookups_total{exporter, outcome}`); it never fails the export.
final class PromptIDs: Sendable {
    struct Key: Hashable, Sendable {
        var name: String
        var version: Int
    }

    struct Settings: Sendable, Equatable {
        var endpoint: String
        var publicKey: String
        var secretKey: String
        var timeout: Duration
        var ttl: Duration
        var negativeTTL: Duration
        var maxEntries: Int
    }

    private struct Entry {
        var id: String?
        var expires: Duration
    }

    let settings: Settings
    let exporter: String
    let counters: Counters
    let time: Timeline
    let transport: HTTPTransport
    private let entries = Mutex<[Key: Entry]>([:])

    init(settings: Settings, exporter: String, counters: Counters, time: Timeline, transport: HTTPTransport) {
        self.settings = settings
        self.exporter = exporter
        self.counters = counters
        self.time = time
        self.transport = transport
    }

    /// The ids of these prompts that are known or can be learned now, asked concurrently (at most
    /// eight at a time), each within `timeout`.
    func resolve(_ keys: Set<Key>) async -> [Key: String] {
        guard !keys.isEmpty else { return [:] }
        let now = time.now()
        var known: [Key: String] = [:]
        var ask: [Key] = []
        var hits = 0
        entries.withLock { e in
            for k in keys {
                if let entry = e[k], entry.expires > now {
                    hits += 1
                    if let id = entry.id { known[k] = id }
                } else {
                    ask.append(k)
                }
            }
        }
        count("cached", hits)
        guard !ask.isEmpty else { return known }
        let found = await withTaskGroup(of: (Key, String?, Bool).self) { group -> [(Key, String?, Bool)] in
            var out: [(Key, String?, Bool)] = []
            var next = ask.makeIterator()
            for _ in 0..<min(8, ask.count) {
                if let k = next.next() { group.addTask { await self.lookup(k) } }
            }
            while let r = await group.next() {
                out.append(r)
                if let k = next.next() { group.addTask { await self.lookup(k) } }
            }
            return out
        }
        let later = time.now()
        entries.withLock { e in
            if e.count + found.count > settings.maxEntries {
                // Past the bound: what has expired goes first, then everything (simple, and rare).
                e = e.filter { $0.value.expires > later }
                if e.count + found.count > settings.maxEntries { e.removeAll(keepingCapacity: true) }
            }
            for (k, id, _) in found { e[k] = Entry(id: id, expires: later + (id == nil ? settings.negativeTTL : settings.ttl)) }
        }
        for (k, id, _) in found { if let id { known[k] = id } }
        return known
    }

    /// One prompt's id: (key, id or nil, whether Langfuse answered).
    private func lookup(_ k: Key) async -> (Key, String?, Bool) {
        var path = CharacterSet.urlPathAllowed
        path.remove("/")
        let name = k.name.addingPercentEncoding(withAllowedCharacters: path) ?? k.name
        let url = "\(settings.endpoint)/api/public/v2/prompts/\(name)?version=\(k.version)"
        let credentials = Data("\(settings.publicKey):\(settings.secretKey)".utf8).base64EncodedString()
        do throws(ExportFailure) {
            let r = try await transport.send(
                .GET, url, headers: [("Authorization", "Basic \(credentials)"), ("Accept", "application/json")], body: nil, timeout: settings.timeout)
            switch r.status {
            case 200:
                guard let id = Self.id(r.text) else {
                    count("failed", 1)
                    return (k, nil, false)
                }
                count("resolved", 1)
                return (k, id, true)
            case 404:
                count("not_found", 1)
                return (k, nil, true)
            default:
                count("failed", 1)
                return (k, nil, false)
            }
        } catch {
            count("failed", 1)
            return (k, nil, false)
        }
    }

    /// The `id` of a prompt answer; nil when the answer is not a prompt with one.
    static func id(_ text: String) -> String? {
        do {
            guard case .string(let id)? = try JSONParser().parse(text)["id"], !id.isEmpty else { return nil }
            return id
        } catch {
            return nil
        }
    }

    private func count(_ outcome: String, _ n: Int) {
        if n > 0 { counters.add(.promptLookups, n, ["exporter": exporter, "outcome": outcome]) }
    }
}
