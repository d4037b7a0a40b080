import CollectorCore
@testable import Receivers
import Testing

@Suite(.timeLimit(.minutes(5)))
struct MetricsTextTests {
    @Test func prometheusExposition() {
        let c = Counters()
        c.add(.receiverAcceptedSpans, 12, ["receiver": "otlp", "transport": "http"])
        c.set(.exporterQueueSize, 3, ["exporter": "file/local"])
        c.add(.costUSD, 0.0125, ["model": "gpt-4o", "cost": "total", "environment": "prod", "observation_type": "generation"])
        c.add(.droppedSpans, 2, ["exporter": "file/\"q\"", "reason": "queue_full"])
        let text = PrometheusText.render(c)
        #expect(
            text.contains(
                "# TYPE otelcol_receiver_accepted_spans_total counter\notelcol_receiver_accepted_spans_total{receiver=\"otlp\",transport=\"http\"} 12\n"))
        #expect(text.contains("# TYPE otelcol_exporter_queue_size gauge\notelcol_exporter_queue_size{exporter=\"file/local\"} 3\n"))
        #expect(text.contains("genai_collector_cost_usd_total{cost=\"total\",environment=\"prod\",model=\"gpt-4o\",observation_type=\"generation\"} 0.0125\n"))
        #expect(text.contains("genai_collector_dropped_spans_total{exporter=\"file/\\\"q\\\"\",reason=\"queue_full\"} 2\n"))
    }

    /// Cumulative buckets with `le`, then `_sum` and `_count`; a value on a bound counts in it.
    @Test func histogramExposition() {
        let c = Counters()
        for x in [0.04, 0.05, 0.3, 7, 400, .nan] { c.observe(.timeToFirstToken, x, ["model": "gpt-4o"]) }
        let text = PrometheusText.render(c)
        let expected =
            [
                "# TYPE genai_collector_time_to_first_token_seconds histogram",
                #"genai_collector_time_to_first_token_seconds_bucket{model="gpt-4o",le="0.05"} 2"#,
                #"genai_collector_time_to_first_token_seconds_bucket{model="gpt-4o",le="0.1"} 2"#,
                #"genai_collector_time_to_first_token_seconds_bucket{model="gpt-4o",le="0.25"} 2"#,
                #"genai_collector_time_to_first_token_seconds_bucket{model="gpt-4o",le="0.5"} 3"#,
                #"genai_collector_time_to_first_token_seconds_bucket{model="gpt-4o",le="0.75"} 3"#,
                #"genai_collector_time_to_first_token_seconds_bucket{model="gpt-4o",le="1"} 3"#,
                #"genai_collector_time_to_first_token_seconds_bucket{model="gpt-4o",le="2"} 3"#,
                #"genai_collector_time_to_first_token_seconds_bucket{model="gpt-4o",le="5"} 3"#,
                #"genai_collector_time_to_first_token_seconds_bucket{model="gpt-4o",le="10"} 4"#,
                #"genai_collector_time_to_first_token_seconds_bucket{model="gpt-4o",le="30"} 4"#,
                #"genai_collector_time_to_first_token_seconds_bucket{model="gpt-4o",le="+Inf"} 5"#,
                #"genai_collector_time_to_first_token_seconds_sum{model="gpt-4o"} 407.39"#,
                #"genai_collector_time_to_first_token_seconds_count{model="gpt-4o"} 5"#,
            ].joined(separator: "\n") + "\n"
        #expect(text == expected, "\(text)")
        // The quantile the live view shows interpolates inside the bucket, as histogram_quantile does.
        let h = c.histogram(.timeToFirstToken, ["model": "gpt-4o"])
        #expect(h?.quantile(0.5, bounds: MetricName.timeToFirstToken.buckets) == 0.25 + 0.25 * 0.5)
    }
}
