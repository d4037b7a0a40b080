import CollectorCore
@testable import ExporterHelper
@testable import CollectorRuntime
import Foundation
import Logging
import Testing
import Receivers
import ComponentModel
import Processors
import Exporters

@Suite(.timeLimit(.minutes(5)))
struct ConfigValidationTests {
    static let valid = """
        receivers:
          otlp:
            protocols:
              http: {endpoint: "0.0.0.0:4318"}
              grpc: {max_recv_msg_size_mib: 32}
        processors:
          environment: {value: production}
          attributes/scrub:
            actions:
              - {key: user.email, action: hash}
              - {pattern: "^http\\\\.request\\\\.header\\\\.", action: delete}
          batch: {send_batch_size: 512, timeout: 2s}
          memory_limiter: {limit_mib: 400}
        exporters:
          file/local: {directory: ./data, format: otlp_json, retry_on_failure: {initial_interval: 1s}}
          debug: {}
        extensions:
          health_check: {endpoint: "localhost:13134"}
        service:
          extensions: [health_check]
          telemetry: {metrics: {address: "localhost:9999"}, logs: {level: debug}}
          pipelines:
            traces:
              receivers: [otlp]
              processors: [memory_limiter, environment, attributes/scrub, batch]
              exporters: [file/local]
            traces/debug:
              receivers: [otlp]
              exporters: [debug]
        """

    /// `${file:PATH}` through the real loader and a real file: the value is the file's content with
    /// its final newline removed; a file that cannot be read is an error naming its path.
    @Test func fileSubstitutionReadsARealFile() throws {
        let path = NSTemporaryDirectory() + "genai-secret-\(UUID().uuidString)"
        try "t0ken-from-file\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0", auth: {bearer_tokens: ["${file:\(path)}"]}}}}}
            exporters: {debug: {}}
            service: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}
            """
        let c = try CollectorConfig(try ConfigLoader().load(["yaml:" + yaml]))
        guard let otlp = c.receivers.values.first?.config as? OTLPReceiver.Config else { Issue.record("no receiver"); return }
        #expect(otlp.http?.auth?.bearerTokens == ["t0ken-from-file"])
        let missing = yaml.replacingOccurrences(of: path, with: path + "-absent")
        #expect {
            _ = try CollectorConfig(try ConfigLoader().load(["yaml:" + missing]))
        } throws: { error in
            "\(error)".contains("cannot read \(path)-absent") && !"\(error)".contains("t0ken")
        }
    }

    func load(_ yaml: String, env: [String: String] = [:]) throws -> CollectorConfig {
        let loader = ConfigLoader(
            substitution: Substitution(environment: env) { (path) throws(ConfigError) -> String in
                guard path == "/run/secrets/token" else { throw ConfigError("", "cannot read \(path)") }
                return "s3cr3t\n"
            })
        return try CollectorConfig(try loader.load(["yaml:" + yaml]))
    }

    func errors(_ yaml: String, env: [String: String] = [:]) -> [String] {
        do {
            _ = try load(yaml, env: env)
            return []
        } catch let e as ConfigErrors {
            return e.errors.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    /// The OpenTelemetry Collector's exporter names decode as ours; the id keeps the written name.
    @Test func collectorTypeNamesAreAliases() throws {
        let c = try load(
            """
            receivers: {otlp: {protocols: {http: {}}}}
            exporters:
              otlp/gw: {endpoint: "gateway:4317", tls: {insecure: true}}
              otlphttp: {endpoint: "http://gateway:4318"}
            service: {pipelines: {traces: {receivers: [otlp], exporters: [otlp/gw, otlphttp]}}}
            """)
        guard let grpc = c.exporters[try ComponentID(parsing: "otlp/gw", path: "")]?.config as? OTLPGRPCExporter.Config else {
            Issue.record("otlp/gw is not otlp_grpc"); return
        }
        #expect(grpc.host == "gateway" && grpc.port == 4317 && grpc.plaintext)
        guard c.exporters[try ComponentID(parsing: "otlphttp", path: "")]?.config is OTLPHTTPExporter.Config else {
            Issue.record("otlphttp is not otlp_http"); return
        }
        #expect(c.aliased.map { "\($0.section).\($0.id)=\($0.type)" }.sorted() == ["exporters.otlp/gw=otlp_grpc", "exporters.otlphttp=otlp_http"])
    }

    @Test func aFullConfigDecodes() throws {
        let c = try load(Self.valid)
        #expect(c.pipelines.map(\.id.description) == ["traces", "traces/debug"])
        #expect(c.pipelines[0].processors.map(\.description) == ["memory_limiter", "environment", "attributes/scrub", "batch"])
        guard let otlp = c.receivers[try ComponentID(parsing: "otlp", path: "")]?.config as? OTLPReceiver.Config else { Issue.record("no otlp"); return }
        #expect(otlp.http?.endpoint == Endpoint(host: "0.0.0.0", port: 4318))
        #expect(otlp.http?.tracesPaths == ["/v1/traces", "/api/public/otel/v1/traces"])
        #expect(otlp.grpc?.endpoint == Endpoint(host: "localhost", port: 4317))
        #expect(otlp.grpc?.maxReceiveMessageBytes == 32 << 20)
        guard let batch = c.processors[try ComponentID(parsing: "batch", path: "")]?.config as? BatchProcessor.Config else { Issue.record("no batch"); return }
        #expect(batch.sendBatchSize == 512 && batch.timeout == .seconds(2))
        guard let ml = c.processors[try ComponentID(parsing: "memory_limiter", path: "")]?.config as? MemoryLimiter.Config else {
            Issue.record("no memory_limiter"); return
        }
        #expect(ml.limit == .mebibytes(limit: 400, spike: 80))
        #expect(c.telemetry.metricsEndpoint.port == 9999 && c.telemetry.logLevel == "debug")
    }

    @Test(arguments: [
        ("exporters:\n  file/local: {directory: d, rotate_bytes: 5}", "exporters.file/local.rotate_bytes: unknown key"),
        ("receivers:\n  otlp: {protocols: {http: {endpoint: nowhere}}}", "receivers.otlp.protocols.http.endpoint: 'nowhere' is not host:port"),
        ("receivers:\n  otlp: {}", "receivers.otlp.protocols: is required: enable grpc and/or http"),
        (
            "receivers:\n  zipkin: {}",
            "receivers.zipkin: the zipkin receiver is not implemented: genai-collector takes OTLP only (remove it, or send OTLP to an otlp receiver; known: otlp)"
        ),
        (
            "receivers:\n  jaeger: {protocols: {grpc: {}}}",
            "receivers.jaeger: the jaeger receiver is not implemented: genai-collector takes OTLP only (remove it, or send OTLP to an otlp receiver; known: otlp)"
        ),
        (
            "receivers:\n  prometheus: {}",
            "receivers.prometheus: the prometheus receiver is not implemented: genai-collector takes OTLP only (remove it, or send OTLP to an otlp receiver; known: otlp)"
        ),
        ("receivers:\n  kafka: {}", "receivers.kafka: unknown receiver type 'kafka' (known: otlp)"),
        ("exporters:\n  otlp/gw: {endpoint: gw:4317, compresion: gzip}", "exporters.otlp/gw.compresion: unknown key"),
        ("processors:\n  batch: {timeout: 5}", "processors.batch.timeout: expected a duration such as \"5s\" or \"200ms\", got '5'"),
        ("processors:\n  batch: {send_batch_size: many}", "processors.batch.send_batch_size: expected an integer, got 'many'"),
        ("processors:\n  memory_limiter: {}", "processors.memory_limiter.limit_mib: is required and must be positive"),
        ("processors:\n  environment: {}", "processors.environment: give at least one of rules, from_attribute or value"),
        (
            "processors:\n  environment: {value: 'Prod!'}",
            "processors.environment.value: 'Prod!' is not a valid Langfuse environment (lower-case a-z, 0-9, _ and -, at most 40 characters, not starting with 'langfuse')"
        ),
        (
            "processors:\n  attributes: {actions: [{key: a, action: squash}]}",
            "processors.attributes.actions[0].action: 'squash' is not one of insert, update, upsert, delete, hash"
        ),
        (
            "processors:\n  attributes: {actions: [{key: a, action: insert}]}",
            "processors.attributes.actions[0]: insert needs exactly one of value or from_attribute"
        ),
        ("processors:\n  attributes: {actions: [{pattern: '(', action: delete}]}", "processors.attributes.actions[0].pattern: invalid regular expression '('"),
        ("exporters:\n  debug: {verbosity: loud}", "exporters.debug.verbosity: 'loud' is not one of basic, normal, detailed"),
        ("exporters:\n  file: {directory: d, sending_queue: {queue_size: 0}}", "exporters.file.sending_queue.queue_size: 0 is outside 1...1000000"),
        ("exporters:\n  file: {directory: d, sending_queue: {fsync: always}}", "exporters.file.sending_queue.fsync: only with storage: disk"),
        (
            "exporters:\n  file: {directory: d, sending_queue: {storage: disk, fsync: sometimes}}",
            "exporters.file.sending_queue.fsync: 'sometimes' is not one of always, batch, never"
        ),
        ("exporters:\n  file: {directory: d, sending_queue: {storage: tape}}", "exporters.file.sending_queue.storage: 'tape' is not one of memory, disk"),
        (
            "exporters:\n  s3: {bucket: traces, access_key_id: k, secret_access_key: s, max_object_age: 2h}",
            "exporters.s3.max_object_age: must be between 10ms and 1h"
        ),
        ("exporters:\n  langfuse: {host: x, public_key: p, secret_key: s}", "exporters.langfuse.host: expected the Langfuse base URL"),
        (
            "exporters:\n  otlp_grpc: {endpoint: 'https://gw:4317', tls: {insecure: true}}",
            "exporters.otlp_grpc.tls.insecure: contradicts the https:// endpoint"
        ),
        ("exporters:\n  otlp_http: {endpoint: http://gw:4318, headers: {'bad header': x}}", "exporters.otlp_http.headers.bad header: not a valid header name"),
        ("connectors:\n  spanmetrics: {}", "connectors.spanmetrics: unknown connector type 'spanmetrics' (known: routing)"),
        ("servce: {}", "servce: unknown section (expected receivers, processors, exporters, connectors, extensions, service)"),
        ("receivers:\n  'otlp/': {}", "receivers.otlp/: 'otlp/' has an empty name after '/'"),
    ])
    func mistakesNameTheirPath(_ fragment: String, _ expected: String) {
        let yaml = fragment + "\nservice:\n  pipelines:\n    traces: {receivers: [r], exporters: [e]}\n"
        let found = errors(yaml)
        #expect(found.contains { $0.hasPrefix(expected) }, "got \(found)")
    }

    @Test(arguments: [
        ("shutdown_timeout: 0s", "service.shutdown_timeout: must be positive"),
        ("shutdown_timeout: soon", "service.shutdown_timeout: expected a duration"),
        ("telemetry: {logs: {encoding: xml}}", "service.telemetry.logs.encoding: 'xml' is not one of text, json"),
    ])
    func serviceMistakesNameTheirPath(_ fragment: String, _ expected: String) {
        let found = errors(
            "receivers: {otlp: {protocols: {http: {}}}}\nexporters: {debug: {}}\nservice:\n  \(fragment)\n  pipelines: {traces: {receivers: [otlp], exporters: [debug]}}\n"
        )
        #expect(found.contains { $0.hasPrefix(expected) }, "got \(found)")
    }

    @Test func serviceSettingsDecode() throws {
        let c = try load(
            "receivers: {otlp: {protocols: {http: {}}}}\nexporters: {debug: {}}\nservice:\n  shutdown_timeout: 45s\n  telemetry: {logs: {encoding: json}}\n  pipelines: {traces: {receivers: [otlp], exporters: [debug]}}\n"
        )
        #expect(c.shutdownTimeout == .seconds(45) && c.telemetry.logEncoding == "json")
        #expect(
            try load(
                "receivers: {otlp: {protocols: {http: {}}}}\nexporters: {debug: {}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}"
            ).shutdownTimeout == .seconds(10))
    }

    @Test func pipelineReferencesAreChecked() {
        let found = errors(
            """
            receivers: {otlp: {protocols: {http: {}}}}
            exporters: {debug: {}}
            service:
              extensions: [health_check]
              pipelines:
                traces: {receivers: [otlp, zipkin], processors: [batch], exporters: []}
                profiles: {receivers: [otlp], exporters: [debug]}
            """)
        #expect(found.contains("service.extensions[0]: extension 'health_check' is not defined under extensions"))
        #expect(found.contains("service.pipelines.traces.exporters: needs at least one"))
        #expect(found.contains("service.pipelines.profiles: unknown signal 'profiles': pipelines are traces, logs or metrics (traces/NAME ...)"))
        #expect(errors("receivers: {otlp: {protocols: {http: {}}}}\nexporters: {debug: {}}\n").contains("service: is required (service.pipelines)"))
    }

    /// Each pipeline's processors and exporters must handle its signal, and connectors join traces only.
    @Test func componentsMustHandleTheirPipelinesSignal() throws {
        let base = """
            receivers: {otlp: {protocols: {http: {}}}}
            processors: {batch: {}, groupbytrace: {}}
            exporters: {debug: {}, clickhouse: {endpoint: "http://localhost:8123", project_id: p}, file: {directory: /tmp/x}}
            service:
              pipelines:

            """
        #expect(
            errors(base + "    logs: {receivers: [otlp], processors: [batch, groupbytrace], exporters: [debug]}")
                == ["service.pipelines.logs.processors[1]: groupbytrace (groupbytrace) does not handle logs; it takes traces"])
        #expect(
            errors(base + "    metrics/app: {receivers: [otlp], exporters: [file, clickhouse]}")
                == ["service.pipelines.metrics/app.exporters[1]: clickhouse (clickhouse) does not take metrics; it takes traces"])
        let ok = try load(
            base + "    logs: {receivers: [otlp], processors: [batch], exporters: [file, debug]}\n    metrics: {receivers: [otlp], exporters: [file]}\n"
                + "    traces: {receivers: [otlp], exporters: [clickhouse]}")
        #expect(ok.pipelines.map(\.signal).sorted() == [.traces, .logs, .metrics])
    }

    /// A request is acknowledged once durable in every exporter of its pipeline, or from memory for
    /// all of them: mixing the two is refused before anything binds.
    @Test func aPipelineCannotMixDiskAndMemoryQueues() throws {
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            exporters:
              debug/disk: {sending_queue: {storage: disk, directory: /tmp/genai-never-used}}
              debug/memory: {}
            service: {pipelines: {traces: {receivers: [otlp], exporters: [debug/disk, debug/memory]}}}
            """
        let app = CollectorApp(config: try CollectorConfig(try ConfigLoader().load(["yaml:" + yaml])), logger: Logger(label: "t"))
        #expect(throws: ConfigError("service.pipelines.traces.exporters", "give every exporter of a pipeline the same sending_queue.storage (disk or memory)"))
        {
            try app.checkRunnable()
        }
    }

    @Test func substitution() throws {
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "${env:HOST}:${PORT:-4318}"}}}}
            processors:
              attributes: {actions: [{key: token, action: insert, value: "${file:/run/secrets/token}"}, {key: cost, action: insert, value: "$$5"}]}
            exporters: {debug: {}}
            service: {pipelines: {traces: {receivers: [otlp], processors: [attributes], exporters: [debug]}}}
            """
        let c = try load(yaml, env: ["HOST": "10.0.0.7"])
        guard let otlp = c.receivers.values.first?.config as? OTLPReceiver.Config else { Issue.record("no receiver"); return }
        #expect(otlp.http?.endpoint == Endpoint(host: "10.0.0.7", port: 4318))
        guard let a = c.processors.values.first?.config as? AttributesProcessor.Config else { Issue.record("no processor"); return }
        #expect(a.actions[0].value == .string("s3cr3t"))
        #expect(a.actions[1].value == .string("$5"))
        let missing = errors(yaml, env: [:])
        #expect(missing.contains { $0.contains("receivers.otlp.protocols.http.endpoint: environment variable HOST is not set") })
        // References nest, innermost first: a secret file whose path has a default.
        let nested = yaml.replacingOccurrences(of: "${file:/run/secrets/token}", with: "${file:${env:TOKEN_FILE:-/run/secrets/token}}")
        guard let b = try load(nested, env: ["HOST": "h"]).processors.values.first?.config as? AttributesProcessor.Config else {
            Issue.record("no processor"); return
        }
        #expect(b.actions[0].value == .string("s3cr3t"))
    }

    @Test func mergingAndSources() throws {
        let base =
            "receivers: {otlp: {protocols: {http: {endpoint: 'localhost:1'}}}}\nexporters: {debug: {}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}\n"
        let override = "receivers: {otlp: {protocols: {http: {endpoint: 'localhost:2'}}}}\n"
        let loader = ConfigLoader(
            substitution: Substitution(environment: ["OTEL_CONFIG": base]) { (p) throws(ConfigError) -> String in
                throw ConfigError("", "no file \(p)")
            })
        let c = try CollectorConfig(try loader.load(["env:OTEL_CONFIG", "yaml:" + override]))
        guard let otlp = c.receivers.values.first?.config as? OTLPReceiver.Config else { Issue.record("no receiver"); return }
        #expect(otlp.http?.endpoint.port == 2)
        #expect(throws: ConfigError.self) { try loader.load(["env:NOPE"]) }
        #expect(throws: ConfigError.self) { try loader.load(["/no/such/file.yaml"]) }
        #expect(throws: ConfigError.self) { try loader.load([]) }
    }

    @Test func yamlProblems() throws {
        #expect(errors("a: [1, 2").first?.contains("not valid YAML") == true)
        #expect(errors("receivers: {}\nreceivers: {}").first?.contains("duplicated key") == true)
        // Anchors and aliases expand as YAML defines.
        let c = try load(
            "exporters: {debug: &d {verbosity: normal}, 'debug/2': *d}\nreceivers: {otlp: {protocols: {http: {}}}}\n"
                + "service: {pipelines: {traces: {receivers: [otlp], exporters: [debug, debug/2]}}}\n")
        #expect(c.exporters.count == 2)
    }

    @Test(arguments: [
        ("5s", Duration.seconds(5)), ("200ms", .milliseconds(200)), ("1m30s", .seconds(90)), ("1h", .seconds(3600)),
        ("1.5s", .milliseconds(1500)),
    ])
    func durations(_ text: String, _ expected: Duration) {
        #expect(ConfigDuration.parse(text) == expected)
    }

    @Test func badDurations() {
        for text in ["", "5", "s", "5 s", "5sec", "-1s"] { #expect(ConfigDuration.parse(text) == nil, "\(text)") }
    }
}

/// Every file under pipelines/ validates, with the variables its header names set.
@Suite(.timeLimit(.minutes(5)))
struct PipelineFilesTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("pipelines")

    @Test func everyPipelineFileValidates() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".yaml") }.sorted()
        for name in [
            "clickhouse", "gateway-redact", "local", "s3", "langfuse", "sidecar", "gateway", "gateway-tier", "gateway-tenants", "gateway-sampling",
            "gateway-evaluation", "gateway-judge",
        ] {
            #expect(files.contains(name + ".yaml"))
        }
        // The variables the files document, with the names users already know.
        let token = NSTemporaryDirectory() + "genai-pipeline-token-\(UUID().uuidString)"
        try "t0ken\n".write(toFile: token, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: token) }
        let tenants = token + ".tenants.json"
        try #"{"team-a": {"bearer_tokens": ["ta"]}, "team-b": {"bearer_tokens": ["tb"]}}"#.write(toFile: tenants, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tenants) }
        let env = [
            "CLICKHOUSE_URL": "http://127.0.0.1:8123", "LANGFUSE_PROJECT_ID": "proj-1", "S3_BUCKET": "genai-traces",
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "LANGFUSE_HOST": "https://cloud.langfuse.com",
            "LANGFUSE_PUBLIC_KEY": "pk-lf-1", "LANGFUSE_SECRET_KEY": "sk-lf-1", "OTLP_GATEWAY_ENDPOINT": "http://gateway:4317",
            "GENAI_COLLECTOR_TOKEN_FILE": token, "GENAI_COLLECTOR_METRICS_TOKEN_FILE": token, "GENAI_GATEWAY_TOKEN_FILE": token,
            "GATEWAY_HEADLESS_SERVICE": "genai-gateway-headless.observability.svc.cluster.local",
            "GENAI_COLLECTOR_TENANTS_FILE": tenants, "TEAM_A_PROJECT_ID": "proj-a", "TEAM_B_PROJECT_ID": "proj-b",
            "TEAM_A_LANGFUSE_PUBLIC_KEY": "pk-a", "TEAM_A_LANGFUSE_SECRET_KEY": "sk-a", "TEAM_B_LANGFUSE_PUBLIC_KEY": "pk-b",
            "TEAM_B_LANGFUSE_SECRET_KEY": "sk-b", "JUDGE_API_KEY_FILE": token,
        ]
        // Overlays: a second config over the file they extend.
        let overlays = ["gateway-sampling.yaml": "gateway.yaml", "gateway-evaluation.yaml": "gateway.yaml", "gateway-judge.yaml": "gateway.yaml"]
        for f in files {
            let text = try String(contentsOf: Self.directory.appendingPathComponent(f), encoding: .utf8)
            var sources = ["yaml:" + text]
            if let base = overlays[f] {
                sources.insert("yaml:" + (try String(contentsOf: Self.directory.appendingPathComponent(base), encoding: .utf8)), at: 0)
            }
            #expect(try !CollectorConfig(try ConfigLoader(environment: env).load(sources)).pipelines.isEmpty, "\(f)")
        }
        // The sampling overlay puts tail_sampling on whole traces, before the batch.
        let sampled = try CollectorConfig(
            try ConfigLoader(environment: env).load(
                ["gateway.yaml", "gateway-sampling.yaml"].map {
                    "yaml:" + (try! String(contentsOf: Self.directory.appendingPathComponent($0), encoding: .utf8))
                }))
        #expect(sampled.pipelines[0].processors.map(\.description).suffix(4) == ["groupbytrace", "agent_attribution", "tail_sampling", "batch"])
        // The evaluation overlay scores whole traces, after attribution, before the batch.
        let evaluated = try CollectorConfig(
            try ConfigLoader(environment: env).load(
                ["gateway.yaml", "gateway-evaluation.yaml"].map {
                    "yaml:" + (try! String(contentsOf: Self.directory.appendingPathComponent($0), encoding: .utf8))
                }))
        #expect(evaluated.pipelines[0].processors.map(\.description).suffix(3) == ["agent_attribution", "evaluation", "batch"])
        let evaluators = evaluated.processors.values.compactMap { $0.config as? Evaluation.Config }.first?.evaluators
        #expect(evaluators?.map(\.name) == ["no_refusal", "nothing_redacted", "tools_ok", "within_budget", "fast_enough"])
        // The judge overlay: two rules and a judge on a tenth of the traces, its key read from the file.
        let judged = try CollectorConfig(
            try ConfigLoader(environment: env).load(
                ["gateway.yaml", "gateway-judge.yaml"].map {
                    "yaml:" + (try! String(contentsOf: Self.directory.appendingPathComponent($0), encoding: .utf8))
                }))
        let judges = judged.processors.values.compactMap { $0.config as? Evaluation.Config }.first?.evaluators ?? []
        #expect(judges.map(\.name) == ["no_refusal", "within_budget", "relevance"] && judges.last?.sampling == 0.1)
        guard case .judge(let judge)? = judges.last?.rule else { Issue.record("no judge: \(judges)"); return }
        #expect(judge.apiKey == "t0ken" && judge.endpoint == "https://api.openai.com/v1" && judge.model == "gpt-4o-mini" && judge.dailyBudgetUSD == 5)
        // The shared gateway: each team's pipeline behind the routing connector, tenants from the file.
        let shared = try CollectorConfig(
            try ConfigLoader(environment: env).load([
                "yaml:" + (try String(contentsOf: Self.directory.appendingPathComponent("gateway-tenants.yaml"), encoding: .utf8))
            ]))
        guard let intake = shared.receivers.values.first?.config as? OTLPReceiver.Config else { Issue.record("no receiver"); return }
        #expect(intake.http?.auth?.tenants.map(\.id) == ["team-a", "team-b"] && intake.grpc?.auth?.tenants.map(\.id) == ["team-a", "team-b"])
        #expect(Set(shared.pipelines.map(\.id.description)) == ["traces", "traces/team-a", "traces/team-b"])
        // A missing endpoint is named, not defaulted.
        let gateway = try String(contentsOf: Self.directory.appendingPathComponent("gateway.yaml"), encoding: .utf8)
        #expect(throws: ConfigError.self) { _ = try ConfigLoader(environment: [:]).load(["yaml:" + gateway]) }
        // The gateways bind every interface and require credentials on OTLP and /metrics: without the
        // token file they do not start.
        for name in ["gateway", "gateway-redact"] {
            var noToken = env
            noToken["GENAI_COLLECTOR_TOKEN_FILE"] = "/nonexistent/token"
            let text = try String(contentsOf: Self.directory.appendingPathComponent(name + ".yaml"), encoding: .utf8)
            #expect(throws: ConfigError.self, "\(name)") { _ = try ConfigLoader(environment: noToken).load(["yaml:" + text]) }
            let c = try CollectorConfig(try ConfigLoader(environment: env).load(["yaml:" + text]))
            guard let otlp = c.receivers.values.first?.config as? OTLPReceiver.Config else { Issue.record("no receiver"); continue }
            #expect(otlp.http?.auth?.bearerTokens == ["t0ken"] && otlp.grpc?.auth?.bearerTokens == ["t0ken"], "\(name)")
            #expect(c.telemetry.metricsAuth?.bearerTokens == ["t0ken"], "\(name)")
        }
    }
}
