import CollectorCore
import Foundation
import Logging
import Synchronization

/// `service.telemetry.logs.encoding: json`: one JSON object per line on stderr (`ts`, `level`,
/// `logger`, `msg`, then the metadata's keys), for log collectors that parse rather than grep.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    /// One line at a time: lines written from several threads never interleave.
    static let output = Mutex<Void>(())

    init(label: String, level: Logger.Level) {
        self.label = label
        logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
        source: String, file: String, function: String, line: UInt
    ) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let explicit { all.merge(explicit) { $1 } }
        let nanos = UInt64(max(0, Date().timeIntervalSince1970 * 1e9))
        var members = [
            JSONMember("ts", .string(Timestamp.iso8601Millis(unixNanos: nanos))),
            JSONMember("level", .string(level.rawValue)),
            JSONMember("logger", .string(label)),
            JSONMember("msg", .string(message.description)),
        ]
        for (key, value) in all.sorted(by: { $0.key < $1.key }) where !["ts", "level", "logger", "msg"].contains(key) {
            members.append(JSONMember(key, Self.json(value)))
        }
        let text = JSONWriter.serialize(.object(members)) + "\n"
        Self.output.withLock { _ in FileHandle.standardError.write(Data(text.utf8)) }
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let c): return .string(c.description)
        case .array(let a): return .array(a.map(json))
        case .dictionary(let d): return .object(d.sorted { $0.key < $1.key }.map { JSONMember($0.key, json($0.value)) })
        }
    }
}
