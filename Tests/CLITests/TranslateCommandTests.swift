import Foundation
import TestSupport
import Testing

/// Runs the built `genai-collector` binary as a user would.
@Suite(.timeLimit(.minutes(5)))
struct TranslateCommandTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("genai-collector")
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// Waits for the binary on a thread of its own: a test blocked on the cooperative pool (two threads
    /// here) stalls every other test running beside it, and their timeouts with it.
    func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil) async throws -> Result {
        try await withChildProcess { try Self.runBlocking(arguments, stdin: stdin, environment: environment) }
    }

    static func runBlocking(_ arguments: [String], stdin: Data?, environment: [String: String]?) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(stdin) }
        try inp.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitForExit()
        return Result(status: p.terminationStatus, stdout: o, stderr: String(decoding: e, as: UTF8.self))
    }

    func batchTypes(_ data: Data) throws -> [String] {
        let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let batch = obj?["batch"] as? [[String: Any]] ?? []
        return batch.compactMap { $0["type"] as? String }
    }

    @Test(arguments: [
        "langfuse_sdk_observe_generation.otlp.pb", "langfuse_sdk_observe_generation.otlp.pb.gz",
        "langfuse_sdk_observe_generation.otlp.json",
    ])
    func translatesEveryFormOfACapture(_ file: String) async throws {
        let r = try await run(["translate", Self.fixtures.appendingPathComponent(file).path])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        let types = try batchTypes(r.stdout)
        #expect(types.contains("trace-create") && types.contains("tool-create") && types.contains("generation-create"))
    }

    @Test func readsStandardInputWithAnExplicitFormat() async throws {
        let body = try Data(contentsOf: Self.fixtures.appendingPathComponent("openinference_openai_3chats.otlp.json"))
        let r = try await run(["translate", "-", "--input-format", "json"], stdin: body)
        #expect(r.status == 0)
        #expect(try batchTypes(r.stdout).filter { $0 == "generation-create" }.count == 3)
    }

    @Test func badInputFailsWithOneLineAndNoOutput() async throws {
        let r = try await run(["translate", "-"], stdin: Data([0x0A, 0xFF, 0xFF, 0xFF, 0x0F]))
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("genai-collector: invalid OTLP trace request:"))
        #expect(r.stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test func wrongFormatFlagAndMissingFile() async throws {
        let pb = Self.fixtures.appendingPathComponent("openinference_openai_3chats.otlp.pb").path
        let asJSON = try await run(["translate", pb, "--input-format", "json"])
        #expect(asJSON.status != 0 && asJSON.stdout.isEmpty)
        let unknown = try await run(["translate", pb, "--input-format", "yaml"])
        #expect(unknown.status != 0 && unknown.stderr.contains("--input-format"))
        let missing = try await run(["translate", "/nonexistent/file.pb"])
        #expect(missing.status != 0 && missing.stdout.isEmpty && missing.stderr.contains("/nonexistent/file.pb"))
    }

    @Test func emptyInputIsAnError() async throws {
        let r = try await run(["translate", "-"], stdin: Data())
        #expect(r.status != 0 && r.stdout.isEmpty && r.stderr.contains("empty input"))
    }

    /// The hostile reproducers (`Fixtures/hostile`): each translates (exit 0, valid JSON out) or is
    /// refused with one line (exit 1); never a trap (132/134) or a signal.
    static let hostile: [String] = {
        let dir = fixtures.appendingPathComponent("hostile")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted().map { "hostile/" + $0 }
    }()

    static let refusedHostile: Set<String> = ["hostile/int_value_minus_9.25e18.otlp.json", "hostile/start_time_string_minus_5.otlp.json"]

    @Test func hostileFixturesArePresent() {
        #expect(Self.hostile.count >= 11)
    }

    @Test(arguments: hostile)
    func hostileInputTranslatesOrFailsCleanly(_ file: String) async throws {
        let r = try await run(["translate", Self.fixtures.appendingPathComponent(file).path])
        if Self.refusedHostile.contains(file) {
            #expect(r.status == 1)
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.hasPrefix("genai-collector: invalid OTLP trace request:") && r.stderr.filter { $0 == "\n" }.count == 1)
        } else {
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try batchTypes(r.stdout).count >= 2)
        }
    }
}
