import ArgumentParser
import CollectorCore
import Dashboards
import ExporterHelper
import Foundation
import NIOHTTP1

/// `genai-collector dashboards list | show NAME | run NAME --clickhouse URL …`: the dashboards as
/// SQL over Langfuse's own ClickHouse tables (v3, or v4's events_full), run where the data is.
struct DashboardsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboards",
        abstract: "List, show or run the dashboard queries over Langfuse's ClickHouse tables (v3, or v4's events_full).",
        subcommands: [List.self, Show.self, Run.self])

    /// The window and schema every query takes.
    struct Window: ParsableArguments {
        @Option(help: "Start of the window, ISO-8601 (default: 24 hours before --to).")
        var from: String?
        @Option(help: "End of the window, ISO-8601, exclusive (default: now).")
        var to: String?
        @Option(help: "v3 (traces, observations) or v4 (events_full).")
        var schema: String = "v3"

        /// (from, to) in epoch milliseconds, the schema and the time bucket Langfuse would pick.
        func resolve() throws -> (from: Int64, to: Int64, schema: DashboardQuery.Schema, bucket: TimeBucket) {
            func millis(_ text: String, _ option: String) throws -> Int64 {
                guard let ms = Timestamp.millis(iso: text) else {
                    throw ValidationError("--\(option): '\(text)' is not an ISO-8601 time such as 2026-12-01T00:00:00Z")
                }
                return ms
            }
            let end = try to.map { try millis($0, "to") } ?? Int64(Date().timeIntervalSince1970 * 1000)
            let start = try from.map { try millis($0, "from") } ?? end - 86_400_000
            guard start < end else { throw ValidationError("--from must be before --to") }
            guard let s = DashboardQuery.Schema(rawValue: schema) else { throw ValidationError("--schema: '\(schema)' is not v3 or v4") }
            return (start, end, s, TimeBucket.auto(seconds: Double(end - start) / 1000))
        }
    }

    static func query(_ name: String) throws -> DashboardQuery {
        guard let q = DashboardCatalog.named(name) else {
            throw ValidationError("no query named '\(name)': `genai-collector dashboards list` shows them")
        }
        return q
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the queries: name, group, and what each computes.")

        func run() {
            var out = ""
            for group in DashboardQuery.Group.allCases {
                out += "\(group.rawValue):\n"
                for q in DashboardCatalog.all where q.group == group {
                    out += "  \(q.name.padding(toLength: 30, withPad: " ", startingAt: 0)) \(q.title)\(q.timeSeries ? " (time series)" : "")\n"
                    out += "  \(String(repeating: " ", count: 30)) \(q.about)\n"
                }
            }
            FileInput.writeStdout(Array(out.utf8))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a query's SQL (its parameters: project, from, to).")
        @Argument(help: "The query's name.") var name: String
        @OptionGroup var window: Window

        func run() throws {
            let q = try DashboardsCommand.query(name)
            let w = try window.resolve()
            FileInput.writeStdout(Array((q.sql(w.schema, bucket: w.bucket) + "\n").utf8))
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a query on ClickHouse's HTTP interface and print the rows.")
        @Argument(help: "The query's name.") var name: String
        @OptionGroup var window: Window
        @Option(help: "ClickHouse's HTTP endpoint, http(s)://host:8123.") var clickhouse: String
        @Option(help: "The Langfuse project id the rows carry.") var project: String
        @Option(help: "The database of Langfuse's tables.") var database = "default"
        @Option(help: "ClickHouse user.") var user: String?
        @Option(help: "A file holding the ClickHouse password (a trailing newline is dropped).") var passwordFile: String?
        @Option(help: "tsv (with a header line) or json (one object per row).") var format = "tsv"

        func run() async throws {
            let q = try DashboardsCommand.query(name)
            let w = try window.resolve()
            guard let suffix = ["tsv": "TSVWithNames", "json": "JSONEachRow"][format] else {
                throw ValidationError("--format: '\(format)' is not tsv or json")
            }
            var headers = [("Content-Type", "text/plain; charset=utf-8")]
            if let user { headers.append(("X-ClickHouse-User", user)) }
            if let passwordFile {
                let bytes: [UInt8]
                do { bytes = try FileInput.read(passwordFile, limit: 4096) } catch { throw ValidationError("--password-file: \(error)") }
                var password = String(decoding: bytes, as: UTF8.self)
                if password.hasSuffix("\n") { password.removeLast() }
                headers.append(("X-ClickHouse-Key", password))
            }
            // Values go as query parameters, never into the SQL.
            let params = [
                ("database", database), ("param_project", project), ("param_from", Self.literal(w.from)), ("param_to", Self.literal(w.to)),
            ]
            let url =
                clickhouse.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/?"
                + params.map { "\($0.0)=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
            let transport: HTTPTransport
            do { transport = try HTTPTransport(tls: nil) } catch { throw ValidationError("\(error)") }
            let response: HTTPTransport.Response
            do {
                response = try await transport.send(
                    .POST, url, headers: headers, body: Array((q.sql(w.schema, bucket: w.bucket) + "\nFORMAT \(suffix)").utf8), timeout: .seconds(60),
                    maxResponseBytes: 64 << 20)
            } catch {
                FileInput.writeStderr("genai-collector: dashboards run: \(error)\n")
                throw ExitCode(1)
            }
            guard response.status == 200 else {
                FileInput.writeStderr("genai-collector: dashboards run: ClickHouse answered \(response.status): \(response.text)")
                throw ExitCode(1)
            }
            FileInput.writeStdout(response.body)
        }

        /// A DateTime64(3) parameter as ClickHouse reads it: `2026-12-01 00:00:00.000` (UTC).
        static func literal(_ millis: Int64) -> String {
            String(Timestamp.iso8601(millis: millis).dropLast().map { $0 == "T" ? " " : $0 })
        }
    }
}
