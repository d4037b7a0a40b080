import ExporterHelper
import NIOHTTP1
import Processors
import Receivers

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

/// The receivers' upstream client (the Langfuse API behind the OTLP/HTTP receiver): the process-wide
/// client that keeps many connections to a host; Langfuse's answer whatever its status, its body
/// streamed to the caller as it arrives.
public struct UpstreamHTTPClient: UpstreamHTTP {
    public init() {}

    public func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)], body: [UInt8]?, timeout: Duration) async -> UpstreamReply {
        do throws(ExportFailure) {
            let r = try await HTTPTransport.wideShared.stream(method, url, headers: headers, body: body, timeout: timeout)
            return .answered(status: r.status, headers: r.headers, body: r.body)
        } catch {
            return .failed("\(error)", timedOut: HTTPTransport.timedOut(error))
        }
    }
}
