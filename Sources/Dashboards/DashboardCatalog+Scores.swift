extension DashboardCatalog {
    /// Scores (Langfuse's `scores` table, which v3 and v4 share, so one query serves both schemas):
    /// Langfuse's score widgets, and the collector's evaluators' pass rates.
    static let evaluations: [DashboardQuery] = [
        DashboardQuery(
            "scores-table", .evaluations, "Scores by name, source and type",
            about: "Home 'Scores' table: per name, source and data type, the count and, for NUMERIC and BOOLEAN, the average value.",
            both: """
                SELECT name, source, data_type, count() AS scores,
                  if(data_type IN ('NUMERIC', 'BOOLEAN'), toString(round(avg(value), 6)), '') AS avg_value
                FROM \(SQL.scores) WHERE \(SQL.traceWindow) GROUP BY name, source, data_type ORDER BY scores DESC, name, source, data_type
                """),
        DashboardQuery(
            "score-count", .evaluations, "Score count by view",
            about:
                "Usage Management 'Total Score Count': the numeric view (NUMERIC and BOOLEAN), the categorical view, and the boolean view.",
            both: """
                SELECT countIf(data_type IN ('NUMERIC', 'BOOLEAN')) AS numeric_scores, countIf(data_type = 'CATEGORICAL') AS categorical_scores,
                  countIf(data_type = 'BOOLEAN') AS boolean_scores
                FROM \(SQL.scores) WHERE \(SQL.traceWindow)
                """),
        DashboardQuery(
            "scores-over-time", .evaluations, "Average score over time",
            about: "Home score chart: avg(value) of the numeric view's scores (NUMERIC and BOOLEAN) per time bucket, name, data type and source.",
            timeSeries: true,
            both: """
                SELECT $BUCKET(timestamp) AS bucket, name, data_type, source, count() AS scores, round(avg(value), 6) AS avg_value
                FROM \(SQL.scores) WHERE \(SQL.traceWindow) AND data_type IN ('NUMERIC', 'BOOLEAN')
                GROUP BY bucket, name, data_type, source ORDER BY bucket, name, data_type, source
                """),
        DashboardQuery(
            "evaluator-pass-rate", .evaluations, "Pass rate per evaluator",
            about:
                "BOOLEAN scores by name and metadata 'evaluator_id' (the collector's evaluators set it, as Langfuse's do): count and the share that passed (the boolean view's average).",
            both: """
                SELECT name, \(SQL.orNone("metadata['evaluator_id']")) AS evaluator, count() AS scores, round(avg(value), 6) AS pass_rate
                FROM \(SQL.scores) WHERE \(SQL.traceWindow) AND data_type = 'BOOLEAN' GROUP BY name, evaluator ORDER BY name, evaluator
                """),
    ]
}
