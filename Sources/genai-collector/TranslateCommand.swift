import ArgumentParser
import CollectorCore
import GenAIMapping
import OTLP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `genai-collector translate [FILE|-]`: one OTLP trace export request in, a Langfuse
/// ingestion batch out. Bad input: one line on stderr, nothing on stdout, exit 1.
struct TranslateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translate one OTLP trace export request (protobuf or JSON, gzip detected) into a Langfuse ingestion batch.")

    @Argument(help: "The request body to read, or - for standard input.")
    var file: String = "-"

    @Option(name: .customLong("input-format"), help: "auto, protobuf or json.")
    var inputFormat: String = "auto"

    @Option(name: .customLong("max-bytes"), help: "Refuse decompressed input larger than this.")
    var maxBytes: Int = 64 << 20

    func run() throws {
        guard let format = OTLPRequestDecoder.Format(rawValue: inputFormat) else {
            fail("--input-format: unknown format '\(inputFormat)' (use auto, protobuf or json)")
        }
        let body: [UInt8]
        do {
            body = try FileInput.read(file, limit: maxBytes)
        } catch {
            fail("\(file): \(error)")
        }
        let batch: TraceBatch
        do {
            batch = try OTLPRequestDecoder(maxDecompressedBytes: maxBytes).decode(body, format: format)
        } catch {
            fail("invalid OTLP trace request: \(error)")
        }
        let records = GenAITranslator().translate(batch)
        var out = IngestionBatchEncoder().encode(records)
        out.append(0x0A)
        FileInput.writeStdout(out)
    }

    private func fail(_ message: String) -> Never {
        FileInput.writeStderr("genai-collector: \(message)\n")
        Glibc.exit(1)
    }
}
