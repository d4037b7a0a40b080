extension DashboardCatalog {
    /// Langfuse's Cost, Latency and Usage dashboards, widget by widget, as SQL.
    static let langfuse: [DashboardQuery] = [
        DashboardQuery(
            "cost-by-model", .langfuse, "Cost by model name",
            about: "Cost Dashboard 'Cost by Model Name': sum(total_cost) by provided model name, observations with a model, top 100.",
            v3: """
                SELECT provided_model_name AS model, \(SQL.usd("sum(\(SQL.cost))")) AS cost_usd FROM \(SQL.observations)
                WHERE \(SQL.startWindow) AND ifNull(provided_model_name, '') != '' GROUP BY model ORDER BY cost_usd DESC, model LIMIT 100
                """,
            v4: """
                SELECT provided_model_name AS model, \(SQL.usd("sum(\(SQL.cost))")) AS cost_usd FROM \(SQL.events)
                WHERE \(SQL.startWindow) AND provided_model_name != '' GROUP BY model ORDER BY cost_usd DESC, model LIMIT 100
                """),
        DashboardQuery(
            "top-users-by-cost", .langfuse, "Top 20 users by cost",
            about: "Cost Dashboard 'Top 20 Users by Cost': the cost of each user's traces' observations.",
            v3: """
                SELECT t.user_id AS user, \(SQL.usd("sum(coalesce(o.total_cost, 0))")) AS cost_usd, uniqExact(o.trace_id) AS traces
                FROM observations AS o FINAL INNER JOIN traces AS t FINAL ON t.id = o.trace_id AND t.project_id = o.project_id
                WHERE o.project_id = {project:String} AND o.start_time >= \(SQL.from) AND o.start_time < \(SQL.to) AND ifNull(t.user_id, '') != ''
                GROUP BY user ORDER BY cost_usd DESC, user LIMIT 20
                """,
            v4: """
                SELECT user_id AS user, \(SQL.usd("sum(\(SQL.cost))")) AS cost_usd, uniqExact(trace_id) AS traces
                FROM \(SQL.events) WHERE \(SQL.startWindow) AND user_id != '' GROUP BY user ORDER BY cost_usd DESC, user LIMIT 20
                """),
        DashboardQuery(
            "top-use-cases-by-cost", .langfuse, "Top 20 use cases (trace names) by cost",
            about: "Cost Dashboard 'Top 20 Use Cases (Trace) by Cost': the cost of each trace name's observations.",
            v3: """
                SELECT t.name AS name, \(SQL.usd("sum(coalesce(o.total_cost, 0))")) AS cost_usd, uniqExact(o.trace_id) AS traces
                FROM observations AS o FINAL INNER JOIN traces AS t FINAL ON t.id = o.trace_id AND t.project_id = o.project_id
                WHERE o.project_id = {project:String} AND o.start_time >= \(SQL.from) AND o.start_time < \(SQL.to)
                GROUP BY name ORDER BY cost_usd DESC, name LIMIT 20
                """,
            v4: """
                SELECT trace_name AS name, \(SQL.usd("sum(\(SQL.cost))")) AS cost_usd, uniqExact(trace_id) AS traces
                FROM \(SQL.events) WHERE \(SQL.startWindow) GROUP BY name ORDER BY cost_usd DESC, name LIMIT 20
                """),
        DashboardQuery(
            "latency-by-model", .langfuse, "P95 latency by model over time",
            about: "Latency Dashboard 'P 95 Latency by Model': quantile(0.95) of end − start (ms) of generation-like observations, per bucket.",
            timeSeries: true,
            v3: """
                SELECT $BUCKET(start_time) AS bucket, provided_model_name AS model, round(quantile(0.95)(\(SQL.latency)), 3) AS p95_ms
                FROM \(SQL.observations) WHERE \(SQL.startWindow) AND type IN \(SQL.generationLike) AND ifNull(provided_model_name, '') != ''
                GROUP BY bucket, model ORDER BY bucket, model
                """,
            v4: """
                SELECT $BUCKET(start_time) AS bucket, provided_model_name AS model, round(quantile(0.95)(\(SQL.latency)), 3) AS p95_ms
                FROM \(SQL.events) WHERE \(SQL.startWindow) AND type IN \(SQL.generationLike) AND provided_model_name != ''
                GROUP BY bucket, model ORDER BY bucket, model
                """),
        DashboardQuery(
            "time-to-first-token-by-model", .langfuse, "Time to first token by model",
            about: "Latency Dashboard's TTFT widgets: completion_start_time − start_time (ms), where the start of the completion is known.",
            v3: """
                SELECT provided_model_name AS model, count() AS calls, round(avg(\(SQL.firstToken)), 3) AS avg_ms, round(quantile(0.95)(\(SQL.firstToken)), 3) AS p95_ms
                FROM \(SQL.observations) WHERE \(SQL.startWindow) AND completion_start_time IS NOT NULL AND ifNull(provided_model_name, '') != ''
                GROUP BY model ORDER BY model
                """,
            v4: """
                SELECT provided_model_name AS model, count() AS calls, round(avg(\(SQL.firstToken)), 3) AS avg_ms, round(quantile(0.95)(\(SQL.firstToken)), 3) AS p95_ms
                FROM \(SQL.events) WHERE \(SQL.startWindow) AND completion_start_time IS NOT NULL AND provided_model_name != ''
                GROUP BY model ORDER BY model
                """),
        DashboardQuery(
            "trace-latency-table", .langfuse, "Trace latency percentiles by name",
            about: "Home 'latency table (traces)': per trace name, p50/p90/p95/p99 of trace latency (earliest start to latest end), top 20 by p95.",
            v3: """
                SELECT t.name AS name, count() AS traces, round(quantile(0.5)(l.ms), 3) AS p50_ms, round(quantile(0.9)(l.ms), 3) AS p90_ms, round(quantile(0.95)(l.ms), 3) AS p95_ms,
                  round(quantile(0.99)(l.ms), 3) AS p99_ms
                FROM (SELECT trace_id, \(SQL.span) AS ms FROM \(SQL.observations) WHERE \(SQL.startWindow) GROUP BY trace_id) AS l
                INNER JOIN traces AS t FINAL ON t.id = l.trace_id
                WHERE t.project_id = {project:String} GROUP BY name ORDER BY p95_ms DESC, name LIMIT 20
                """,
            v4: """
                SELECT name, count() AS traces, round(quantile(0.5)(ms), 3) AS p50_ms, round(quantile(0.9)(ms), 3) AS p90_ms, round(quantile(0.95)(ms), 3) AS p95_ms, round(quantile(0.99)(ms), 3) AS p99_ms
                FROM (SELECT trace_id, anyIf(trace_name, trace_name != '') AS name, \(SQL.span) AS ms FROM \(SQL.events) WHERE \(SQL.startWindow) GROUP BY trace_id)
                GROUP BY name ORDER BY p95_ms DESC, name LIMIT 20
                """),
        DashboardQuery(
            "observations-by-level", .langfuse, "Observations by level over time",
            about: "Home 'traces and observations over time': observations per bucket and level (ERROR, WARNING, DEFAULT, DEBUG).",
            timeSeries: true,
            v3: """
                SELECT $BUCKET(start_time) AS bucket, level, count() AS observations FROM \(SQL.observations) WHERE \(SQL.startWindow)
                GROUP BY bucket, level ORDER BY bucket, level
                """,
            v4: """
                SELECT $BUCKET(start_time) AS bucket, level, count() AS observations FROM \(SQL.events) WHERE \(SQL.startWindow)
                GROUP BY bucket, level ORDER BY bucket, level
                """),
    ]

    /// By the agent and stage `agent_attribution` writes into metadata.
    static let agents: [DashboardQuery] = [
        DashboardQuery(
            "tokens-per-agent", .agents, "Tokens per agent",
            about:
                "Model calls (GENERATION) by metadata 'agent' (their nearest agent): input, output and total tokens. Leaves only: agent spans' own repeated usage is not summed.",
            v3: """
                SELECT \(SQL.orNone(SQL.metadata3("agent"))) AS agent, count() AS calls, sum(\(SQL.input())) AS input_tokens, sum(\(SQL.output())) AS output_tokens,
                  sum(\(SQL.total)) AS total_tokens
                FROM \(SQL.observations) WHERE \(SQL.startWindow) AND type = 'GENERATION' GROUP BY agent ORDER BY total_tokens DESC, agent
                """,
            v4: """
                SELECT \(SQL.orNone(SQL.metadata4("agent"))) AS agent, count() AS calls, sum(\(SQL.input())) AS input_tokens, sum(\(SQL.output())) AS output_tokens,
                  sum(\(SQL.total)) AS total_tokens
                FROM \(SQL.events) WHERE \(SQL.startWindow) AND type = 'GENERATION' GROUP BY agent ORDER BY total_tokens DESC, agent
                """),
        DashboardQuery(
            "cost-per-agent", .agents, "Cost per agent",
            about: "sum(total_cost) of generation-like observations by metadata 'agent', with each agent's share of the window's cost.",
            v3: """
                SELECT agent, cost_usd, round(cost_usd / sum(cost_usd) OVER (), 6) AS share FROM (
                  SELECT \(SQL.orNone(SQL.metadata3("agent"))) AS agent, \(SQL.usd("sum(\(SQL.cost))")) AS cost_usd FROM \(SQL.observations)
                  WHERE \(SQL.startWindow) AND type IN \(SQL.generationLike) GROUP BY agent) ORDER BY cost_usd DESC, agent
                """,
            v4: """
                SELECT agent, cost_usd, round(cost_usd / sum(cost_usd) OVER (), 6) AS share FROM (
                  SELECT \(SQL.orNone(SQL.metadata4("agent"))) AS agent, \(SQL.usd("sum(\(SQL.cost))")) AS cost_usd FROM \(SQL.events)
                  WHERE \(SQL.startWindow) AND type IN \(SQL.generationLike) GROUP BY agent) ORDER BY cost_usd DESC, agent
                """),
        DashboardQuery(
            "cost-per-agent-rolling", .agents, "Cost per agent per day, with its 7-day rolling sum",
            about: "Daily sum(total_cost) by metadata 'agent', and the sum over that day and the 6 before it (days without cost count 0).",
            v3: """
                SELECT day, agent, cost_usd, round(sum(cost_usd) OVER (PARTITION BY agent ORDER BY toUInt32(day) RANGE BETWEEN 6 PRECEDING AND CURRENT ROW), 10)
                  AS cost_7d_usd
                FROM (SELECT toDate(start_time) AS day, \(SQL.orNone(SQL.metadata3("agent"))) AS agent, \(SQL.usd("sum(\(SQL.cost))")) AS cost_usd
                  FROM \(SQL.observations) WHERE \(SQL.startWindow) AND type IN \(SQL.generationLike) GROUP BY day, agent)
                ORDER BY day, agent
                """,
            v4: """
                SELECT day, agent, cost_usd, round(sum(cost_usd) OVER (PARTITION BY agent ORDER BY toUInt32(day) RANGE BETWEEN 6 PRECEDING AND CURRENT ROW), 10)
                  AS cost_7d_usd
                FROM (SELECT toDate(start_time) AS day, \(SQL.orNone(SQL.metadata4("agent"))) AS agent, \(SQL.usd("sum(\(SQL.cost))")) AS cost_usd
                  FROM \(SQL.events) WHERE \(SQL.startWindow) AND type IN \(SQL.generationLike) GROUP BY day, agent)
                ORDER BY day, agent
                """),
        DashboardQuery(
            "latency-per-stage", .agents, "Latency per workflow stage",
            about:
                "Per trace and metadata 'stage', earliest start to latest end of the stage's observations (ms); then count, average, p50 and p95 over traces.",
            v3: """
                SELECT stage, count() AS runs, round(avg(ms), 3) AS avg_ms, round(quantile(0.5)(ms), 3) AS p50_ms, round(quantile(0.95)(ms), 3) AS p95_ms
                FROM (SELECT trace_id, \(SQL.metadata3("stage")) AS stage, \(SQL.span) AS ms FROM \(SQL.observations)
                  WHERE \(SQL.startWindow) AND \(SQL.metadata3("stage")) != '' GROUP BY trace_id, stage)
                GROUP BY stage ORDER BY stage
                """,
            v4: """
                SELECT stage, count() AS runs, round(avg(ms), 3) AS avg_ms, round(quantile(0.5)(ms), 3) AS p50_ms, round(quantile(0.95)(ms), 3) AS p95_ms
                FROM (SELECT trace_id, \(SQL.metadata4("stage")) AS stage, \(SQL.span) AS ms FROM \(SQL.events)
                  WHERE \(SQL.startWindow) AND \(SQL.metadata4("stage")) != '' GROUP BY trace_id, stage)
                GROUP BY stage ORDER BY stage
                """),
    ]
}
