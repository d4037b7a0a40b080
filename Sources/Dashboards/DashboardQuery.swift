/// One dashboard query over Langfuse's own ClickHouse tables, in two forms: over the v3 tables
/// (`traces`, `observations`) and over v4's `events_full`. Parameters are ClickHouse query
/// parameters (`{project:String}`, `{from:DateTime64(3)}`, `{to:DateTime64(3)}`), sent apart from
/// the text (`param_project=` …), so no value is ever spliced into SQL. Time-series queries also
/// carry `$BUCKET` and `$STEP`, filled from `TimeBucket` (a fixed list), never from input.
public struct DashboardQuery: Sendable {
    public enum Group: String, Sendable, CaseIterable {
        /// What the seed's users asked for.
        case preset = "preset"
        /// Langfuse's Cost, Latency and Usage dashboards' widgets, as ClickHouse queries.
        case langfuse = "langfuse"
        /// By the agent and stage the collector stamps (metadata `agent`, `stage`): what Langfuse's
        /// widgets cannot break down by.
        case agents = "agents"
        /// Scores: Langfuse's score widgets and the collector's evaluators.
        case evaluations = "evaluations"
    }

    public enum Schema: String, Sendable, CaseIterable {
        case v3, v4
    }

    public let name: String
    public let group: Group
    public let title: String
    /// How it is computed, in a sentence (formulas, filters, the Langfuse widget it mirrors).
    public let about: String
    public let timeSeries: Bool
    let v3: String
    let v4: String

    init(_ name: String, _ group: Group, _ title: String, about: String, timeSeries: Bool = false, v3: String, v4: String) {
        self.name = name
        self.group = group
        self.title = title
        self.about = about
        self.timeSeries = timeSeries
        self.v3 = v3
        self.v4 = v4
    }

    /// A query over a table both schemas share (`scores`).
    init(_ name: String, _ group: Group, _ title: String, about: String, timeSeries: Bool = false, both: String) {
        self.init(name, group, title, about: about, timeSeries: timeSeries, v3: both, v4: both)
    }

    /// The SQL for a schema, its time bucket filled in for the range.
    public func sql(_ schema: Schema, bucket: TimeBucket) -> String {
        (schema == .v3 ? v3 : v4).replacing("$BUCKET", with: bucket.function).replacing("$STEP", with: bucket.step)
    }
}

/// Langfuse's bucketing by range: about 50 buckets, minute below 2 h, hour below 72 h, day below 60
/// days, week below a year, month beyond.
public enum TimeBucket: String, Sendable, CaseIterable {
    case minute, hour, day, week, month

    public static func auto(seconds: Double) -> TimeBucket {
        switch seconds {
        case ..<(2 * 3600): return .minute
        case ..<(72 * 3600): return .hour
        case ..<(60 * 86400): return .day
        case ..<(365 * 86400): return .week
        default: return .month
        }
    }

    /// A function of a DateTime64 to the bucket's start.
    var function: String {
        switch self {
        case .minute: return "toStartOfMinute"
        case .hour: return "toStartOfHour"
        case .day: return "toDate"
        case .week: return "toMonday"
        case .month: return "toStartOfMonth"
        }
    }

    var step: String {
        switch self {
        case .minute: return "INTERVAL 1 MINUTE"
        case .hour: return "INTERVAL 1 HOUR"
        case .day: return "INTERVAL 1 DAY"
        case .week: return "INTERVAL 1 WEEK"
        case .month: return "INTERVAL 1 MONTH"
        }
    }
}
