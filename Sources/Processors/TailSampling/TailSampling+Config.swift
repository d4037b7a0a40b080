import CollectorCore

/// `processors.tail_sampling`: keeps or drops each whole trace (after `groupbytrace`) by policies
/// tried in order; the first that matches keeps it. Policies are written as the OpenTelemetry
/// Collector writes them (`{name, type, <type>: {...}}`), with GenAI types beside its own.
public enum TailSampling {
    public static let type = "tail_sampling"

    public struct Policy: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// An observation at level ERROR (a span with status ERROR, or a Langfuse level attribute).
            case statusError
            /// The trace's cost (the sum of its observations' totals) at or above this.
            case cost(minUSD: Double)
            /// The trace's tokens (the sum of its observations' totals) at or above this.
            case tokens(minTotal: Int64)
            /// A span a `redaction` processor changed (its `redaction.<rule>.count` or `redaction.applied`).
            case redaction
            /// The trace's user, session, a tag or its environment on a list.
            case traceField(field: Field, values: Set<String>)
            /// Earliest start to latest end at or above this.
            case latency(threshold: Duration)
            /// A fixed share of traces, chosen by the trace id's last 56 bits (random in W3C trace
            /// ids), so every collector decides alike for the same trace.
            case probabilistic(percent: Double)
            case alwaysSample
        }

        public enum Field: String, Sendable, CaseIterable {
            case userID = "user_id", sessionID = "session_id", tag, environment
        }

        public var name: String
        public var kind: Kind
    }

    static let types = ["status_code", "cost", "tokens", "redaction", "trace_field", "latency", "probabilistic", "always_sample"]

    public struct Config: Sendable, Equatable {
        public var policies: [Policy]

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            var names = Set<String>()
            policies = try map.list("policies") { (m) throws(ConfigError) -> Policy in
                let name = try m.requiredString("name")
                guard names.insert(name).inserted else { throw ConfigError(m.childPath("name"), "'\(name)' names two policies") }
                // `none` is the decision metric's policy for a trace no policy kept.
                guard name != "none" else { throw ConfigError(m.childPath("name"), "'none' is reserved") }
                let type = try m.choice("type", Self.types, default: "")
                guard !type.isEmpty else { throw ConfigError(m.childPath("type"), "is required: one of \(Self.types.joined(separator: ", "))") }
                var options = try m.mapOrEmpty(type)
                let kind = try Self.kind(type, &options)
                try options.finish()
                return Policy(name: name, kind: kind)
            }
            if policies.isEmpty { throw ConfigError(map.childPath("policies"), "give at least one policy (a trace no policy keeps is dropped)") }
        }

        static var types: [String] { TailSampling.types }

        static func kind(_ type: String, _ o: inout ConfigMap) throws(ConfigError) -> Policy.Kind {
            switch type {
            case "status_code":
                let codes = try o.strings("status_codes")
                guard codes == ["ERROR"] || codes.isEmpty else {
                    throw ConfigError(o.childPath("status_codes"), "only [ERROR] is supported: a trace is kept when an observation is at level ERROR")
                }
                return .statusError
            case "cost":
                let min = try o.double("min_usd", default: -1)
                guard min > 0 else { throw ConfigError(o.childPath("min_usd"), "is required and must be positive") }
                return .cost(minUSD: min)
            case "tokens":
                let min = try o.int("min_total", default: 0, range: 0...Int.max)
                guard min > 0 else { throw ConfigError(o.childPath("min_total"), "is required and must be positive") }
                return .tokens(minTotal: Int64(min))
            case "redaction": return .redaction
            case "trace_field":
                let field = try o.choice("field", default: Policy.Field.userID)
                guard o.has("field") else {
                    throw ConfigError(o.childPath("field"), "is required: one of \(Policy.Field.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let values = try o.strings("values")
                guard !values.isEmpty else { throw ConfigError(o.childPath("values"), "give at least one value") }
                return .traceField(field: field, values: Set(values))
            case "latency":
                let ms = try o.int("threshold_ms", default: 0, range: 0...86_400_000)
                guard ms > 0 else { throw ConfigError(o.childPath("threshold_ms"), "is required and must be positive") }
                return .latency(threshold: .milliseconds(ms))
            case "probabilistic":
                let percent = try o.double("sampling_percentage", default: -1)
                guard (0...100).contains(percent) else { throw ConfigError(o.childPath("sampling_percentage"), "is required, from 0 to 100") }
                return .probabilistic(percent: percent)
            default: return .alwaysSample
            }
        }
    }
}
