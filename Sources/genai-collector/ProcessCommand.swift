import ArgumentParser
import CollectorCore
import CollectorRuntime
import GenAIMapping
import OTLP
import Processors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `genai-collector process --config FILE [--pipeline NAME] [--output otlp-json|langfuse] [INPUT]`:
/// a dry run of one pipeline's processors (redaction, cost inference, environment, attributes) over
/// one OTLP request, offline, printing what the exporters would get. Bad config or input: a message
/// on stderr, nothing on stdout, exit 1.
struct ProcessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Run a pipeline's processors over one OTLP request offline and print the result (OTLP/JSON or Langfuse ingestion events).")

    @Option(name: .customLong("config"), help: "A config source: a file, file:PATH, env:VAR or yaml:TEXT. Repeatable; merged in order.")
    var configs: [String] = []

    @Option(name: .customLong("pipeline"), help: "The pipeline to run (e.g. traces or traces/gateway); default: the only or first traces pipeline.")
    var pipeline: String?

    @Option(name: .customLong("output"), help: "otlp-json (the processed request) or langfuse (the ingestion events the exporters would send).")
    var output: String = "otlp-json"

    @Option(name: .customLong("input-format"), help: "auto, protobuf or json.")
    var inputFormat: String = "auto"

    @Option(name: .customLong("max-bytes"), help: "Refuse decompressed input larger than this.")
    var maxBytes: Int = 64 << 20

    @Argument(help: "The request body to read (protobuf or JSON, gzip detected), or - for standard input.")
    var input: String = "-"

    func run() throws {
        guard output == "otlp-json" || output == "langfuse" else { fail("--output: unknown output '\(output)' (use otlp-json or langfuse)") }
        guard let format = OTLPRequestDecoder.Format(rawValue: inputFormat) else {
            fail("--input-format: unknown format '\(inputFormat)' (use auto, protobuf or json)")
        }
        guard !configs.isEmpty else { fail("--config is required (the pipeline whose processors to run)") }
        let config = ConfigSources.load(configs)
        let chosen: CollectorConfig.Pipeline
        if let pipeline {
            guard let p = config.pipelines.first(where: { $0.id.description == pipeline }) else {
                fail("--pipeline: no pipeline '\(pipeline)' (have: \(config.pipelines.map(\.id.description).joined(separator: ", ")))")
            }
            chosen = p
        } else {
            guard let p = config.pipelines.first else { fail("the config has no pipeline") }
            chosen = p
        }
        let body: [UInt8]
        do { body = try FileInput.read(input, limit: maxBytes) } catch { fail("\(input): \(error)") }
        var batch: TraceBatch
        do {
            batch = try OTLPRequestDecoder(maxDecompressedBytes: maxBytes).decode(body, format: format)
        } catch {
            fail("invalid OTLP trace request: \(error)")
        }
        _ = batch.removeSpansWithoutIDs()
        let processors: [(id: String, processor: any SpanProcessor)]
        do { processors = try CollectorApp.spanProcessors(of: chosen, in: config) } catch { fail("\(error)") }
        for (_, processor) in processors {
            _ = processor.process(&batch)
        }
        var out = output == "langfuse" ? IngestionBatchEncoder().encode(GenAITranslator().translate(batch)) : OTLPJSONEncoder().encode(batch)
        out.append(0x0A)
        FileInput.writeStdout(out)
    }

    private func fail(_ message: String) -> Never {
        FileInput.writeStderr("genai-collector: \(message)\n")
        Glibc.exit(1)
    }
}
