import Foundation
import Synchronization

/// A Python program for a test (a reference implementation or an engine's client), run to its end with
/// `input` on stdin. Reads stdout and stderr together so neither pipe can fill and block the child.
/// The waiting happens on a thread of its own, never on the tests' cooperative pool (two threads on
/// a two-core machine: a blocked one stalls every other test).
public enum PythonTool {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: [UInt8]
        public let stderr: String
        public var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    public static func run(_ arguments: [String], input: [UInt8] = []) async throws -> Result {
        try await withChildProcess { try runBlocking(arguments, input: input) }
    }

    static func runBlocking(_ arguments: [String], input: [UInt8]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + arguments
        let i = Pipe(), o = Pipe(), e = Pipe()
        p.standardInput = i
        p.standardOutput = o
        p.standardError = e
        try p.run()
        let errors = Mutex<Data>(Data())
        let reader = Thread { errors.withLock { $0 = e.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        i.fileHandleForWriting.write(Data(input))
        try i.fileHandleForWriting.close()
        let out = o.fileHandleForReading.readDataToEndOfFile()
        p.waitForExit()
        while !reader.isFinished { usleep(1000) }
        return Result(status: p.terminationStatus, stdout: Array(out), stderr: String(decoding: errors.withLock { $0 }, as: UTF8.self))
    }

    /// A zlib stream (HTTP's `deflate`) from Python's zlib, the reference implementation's framing.
    public static func zlibCompress(_ input: [UInt8]) async throws -> [UInt8] {
        let r = try await run(["-c", "import sys, zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read()))"], input: input)
        guard r.status == 0 else { throw Failure(description: "zlib: \(r.stderr)") }
        return r.stdout
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }
}
