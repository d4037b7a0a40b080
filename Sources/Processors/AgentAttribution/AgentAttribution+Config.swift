import CollectorCore

/// `processors.agent_attribution`: on each whole trace (after `groupbytrace`), stamps every
/// observation with the agent that owns it and the workflow stage it ran in, and keeps the usage
/// that agent and chain spans repeat from their model calls apart, so it is counted once.
///
/// The owning agent (the nearest AGENT observation, itself included) is written as metadata key
/// `agent`, the stage (the nearest CHAIN) as `stage`; the GenAI series read `agent` as their label.
///
/// ```yaml
/// agent_attribution:
///   detect_aggregates: true   # agent/chain usage equal to its descendants' moves to metadata
/// ```
public enum AgentAttribution {
    public static let type = "agent_attribution"
    /// The metadata keys written (and read by the GenAI series' `agent` label).
    public static let agentKey = "agent"
    public static let stageKey = "stage"

    public struct Config: Sendable, Equatable {
        public var detectAggregates: Bool

        public init(detectAggregates: Bool = true) {
            self.detectAggregates = detectAggregates
        }

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            detectAggregates = try map.bool("detect_aggregates", default: true)
        }
    }
}
