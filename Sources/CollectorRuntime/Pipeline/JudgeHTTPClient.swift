import ExporterHelper
import NIOHTTP1
import Processors

/// The judges' HTTP: the process-wide client, its answers and failures as a judge reads them.
public struct JudgeHTTPClient: JudgeHTTP {
    public init() {}

    public func post(_ url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> JudgeHTTPReply {
        do throws(ExportFailure) {
            // Many connections to the judge's host: each judge bounds its own concurrency.
            let r = try await HTTPTransport.wideShared.send(.POST, url, headers: headers, body: body, timeout: timeout)
            return .answered(status: Int(r.status), retryAfter: r.retryAfter, body: r.body)
        } catch {
            return .failed("\(error)")
        }
    }
}
