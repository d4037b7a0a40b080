/// Every query `genai-collector dashboards` ships, by name.
public enum DashboardCatalog {
    public static let all: [DashboardQuery] = presets + langfuse + agents + evaluations

    public static func named(_ name: String) -> DashboardQuery? { all.first { $0.name == name } }

    static let presets: [DashboardQuery] = [
        DashboardQuery(
            "request-count", .preset, "Requests (traces) in the window",
            about: "Traces whose timestamp is in the window (v4: root spans that started in it).",
            v3: "SELECT count() AS traces FROM \(SQL.traces) WHERE \(SQL.traceWindow)",
            v4: "SELECT count() AS traces FROM \(SQL.events) WHERE \(SQL.startWindow) AND \(SQL.root)"),
        DashboardQuery(
            "average-latency", .preset, "Average request latency",
            about: "Per trace, earliest start to latest end of its observations (Langfuse's trace latency), then averaged; with p50 and p95.",
            v3: """
                SELECT count() AS traces, round(avg(ms), 3) AS avg_ms, round(quantile(0.5)(ms), 3) AS p50_ms, round(quantile(0.95)(ms), 3) AS p95_ms
                FROM (SELECT trace_id, \(SQL.span) AS ms FROM \(SQL.observations) WHERE \(SQL.startWindow) GROUP BY trace_id)
                """,
            v4: """
                SELECT count() AS traces, round(avg(ms), 3) AS avg_ms, round(quantile(0.5)(ms), 3) AS p50_ms, round(quantile(0.95)(ms), 3) AS p95_ms
                FROM (SELECT trace_id, \(SQL.span) AS ms FROM \(SQL.events) WHERE \(SQL.startWindow) GROUP BY trace_id)
                """),
        DashboardQuery(
            "generation-cost", .preset, "Total generation cost",
            about: "sum(total_cost) of generation-like observations (GENERATION, AGENT, TOOL, CHAIN, RETRIEVER, EVALUATOR, EMBEDDING, GUARDRAIL).",
            v3: """
                SELECT \(SQL.usd("sum(\(SQL.cost))")) AS cost_usd, count() AS observations
                FROM \(SQL.observations) WHERE \(SQL.startWindow) AND type IN \(SQL.generationLike)
                """,
            v4: """
                SELECT \(SQL.usd("sum(\(SQL.cost))")) AS cost_usd, count() AS observations
                FROM \(SQL.events) WHERE \(SQL.startWindow) AND type IN \(SQL.generationLike)
                """),
        DashboardQuery(
            "token-usage", .preset, "Token usage by model",
            about:
                "Generation-like observations by provided model: input (keys containing 'input'), output (keys containing 'output'), total (the 'total' key).",
            v3: """
                SELECT ifNull(provided_model_name, '') AS model, sum(\(SQL.input())) AS input_tokens, sum(\(SQL.output())) AS output_tokens,
                  sum(\(SQL.total)) AS total_tokens
                FROM \(SQL.observations) WHERE \(SQL.startWindow) AND type IN \(SQL.generationLike) AND ifNull(provided_model_name, '') != ''
                GROUP BY model ORDER BY total_tokens DESC, model
                """,
            v4: """
                SELECT provided_model_name AS model, sum(\(SQL.input())) AS input_tokens, sum(\(SQL.output())) AS output_tokens,
                  sum(\(SQL.total)) AS total_tokens
                FROM \(SQL.events) WHERE \(SQL.startWindow) AND type IN \(SQL.generationLike) AND provided_model_name != ''
                GROUP BY model ORDER BY total_tokens DESC, model
                """),
        DashboardQuery(
            "daily-requests", .preset, "Requests per day",
            about: "Traces per day (UTC), days without any filled with 0.",
            v3: """
                SELECT toDate(timestamp) AS day, count() AS traces FROM \(SQL.traces) WHERE \(SQL.traceWindow)
                GROUP BY day ORDER BY day WITH FILL FROM toDate(\(SQL.from)) TO toDate(\(SQL.to)) STEP 1
                """,
            v4: """
                SELECT toDate(start_time) AS day, count() AS traces FROM \(SQL.events) WHERE \(SQL.startWindow) AND \(SQL.root)
                GROUP BY day ORDER BY day WITH FILL FROM toDate(\(SQL.from)) TO toDate(\(SQL.to)) STEP 1
                """),
        DashboardQuery(
            "observation-breakdown", .preset, "Observations by type",
            about: "Count, cost and p95 latency (end − start, ms) per observation type.",
            v3: """
                SELECT type, count() AS observations, \(SQL.usd("sum(\(SQL.cost))")) AS cost_usd, round(quantile(0.95)(\(SQL.latency)), 3) AS p95_ms
                FROM \(SQL.observations) WHERE \(SQL.startWindow) GROUP BY type ORDER BY observations DESC, type
                """,
            v4: """
                SELECT type, count() AS observations, \(SQL.usd("sum(\(SQL.cost))")) AS cost_usd, round(quantile(0.95)(\(SQL.latency)), 3) AS p95_ms
                FROM \(SQL.events) WHERE \(SQL.startWindow) GROUP BY type ORDER BY observations DESC, type
                """),
        DashboardQuery(
            "requests-by-environment", .preset, "Requests by environment",
            about: "Traces per environment (Langfuse's 'Total Trace Count (by env)').",
            v3: "SELECT environment, count() AS traces FROM \(SQL.traces) WHERE \(SQL.traceWindow) GROUP BY environment ORDER BY traces DESC, environment",
            v4: """
                SELECT environment, count() AS traces FROM \(SQL.events) WHERE \(SQL.startWindow) AND \(SQL.root)
                GROUP BY environment ORDER BY traces DESC, environment
                """),
        DashboardQuery(
            "cost-by-release", .preset, "Cost over time by release", about: "sum(total_cost) per time bucket and the trace's release.",
            timeSeries: true,
            v3: """
                SELECT $BUCKET(o.start_time) AS bucket, ifNull(t.release, '') AS release, \(SQL.usd("sum(coalesce(o.total_cost, 0))")) AS cost_usd
                FROM observations AS o FINAL INNER JOIN traces AS t FINAL ON t.id = o.trace_id AND t.project_id = o.project_id
                WHERE o.project_id = {project:String} AND o.start_time >= \(SQL.from) AND o.start_time < \(SQL.to)
                GROUP BY bucket, release ORDER BY bucket, release
                """,
            v4: """
                SELECT $BUCKET(start_time) AS bucket, release, \(SQL.usd("sum(\(SQL.cost))")) AS cost_usd
                FROM \(SQL.events) WHERE \(SQL.startWindow) GROUP BY bucket, release ORDER BY bucket, release
                """),
    ]
}

extension DashboardCatalog {
    public static var names: [String] { all.map(\.name) }
}
