import CollectorCore
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Sits in front of grpc-swift on each HTTP/2 stream of the gRPC receiver and reads the request's
/// gRPC framing itself, because the library is lenient where OTLP must not be: it answers OK to an
/// empty body, to a truncated length prefix, to a second message (keeping only the last), to a
/// compressed flag of 2 and to any content type; it ignores bytes after a compressed message; and
/// it resets the stream (CANCEL, which clients retry) for an oversized one.
///
/// The guard forwards the request headers at once (so credentials are still checked before any
/// message is read) without `grpc-encoding`, buffers the one message against the memory budget, and
/// when the request ends hands grpc-swift exactly one uncompressed message: a `GRPCEnvelope` that
/// carries either the message as sent (with its compression) or the error to answer with. Once the
/// server has answered, or the request is refused, further data is dropped unread.
final class GRPCRequestGuard: ChannelDuplexHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload
    typealias OutboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private enum State {
        case awaitingHeaders
        /// Reading the message: its 5-byte prefix, then its payload into `message`.
        case reading
        /// The envelope went to grpc-swift (or the server answered): drop the rest.
        case done
    }

    private let maxMessageBytes: Int
    private let reservation: RequestReservation
    private var state = State.awaitingHeaders
    private var coding = GRPCEnvelope.Coding.identity
    private var invalidHeaders: (code: UInt8, message: String)?
    private var prefix: [UInt8] = []
    private var expected: Int?
    private var messages = 0
    /// The envelope being built: its own 5-byte gRPC prefix and tag, then the message payload.
    private var message: ByteBuffer?

    /// Told when grpc-swift itself refuses a request before the handler runs (a 415 for a content type
    /// that is not gRPC's), so that the refusal is counted like the handler's.
    private let onRefusedByTransport: @Sendable (String) -> Void

    init(maxMessageBytes: Int, memory: any MemoryBudget, onRefusedByTransport: @escaping @Sendable (String) -> Void) {
        self.maxMessageBytes = maxMessageBytes
        self.reservation = RequestReservation(budget: memory)
        self.onRefusedByTransport = onRefusedByTransport
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let payload = unwrapInboundIn(data)
        switch (payload, state) {
        case (.headers(var h), .awaitingHeaders):
            state = .reading
            inspect(&h.headers)
            let endStream = h.endStream
            h.endStream = false  // the envelope carries the end of the stream
            context.fireChannelRead(wrapInboundOut(.headers(h)))
            if let invalid = invalidHeaders {
                finish(context, .error(code: invalid.code, invalid.message))
            } else if endStream {
                end(context)
            }
        case (.data(let d), .reading):
            if case .byteBuffer(var bytes) = d.data { consume(context, &bytes) }
            if case .reading = state, d.endStream { end(context) }
        case (.headers(let h), .reading):
            // Request trailers: they end the request.
            if h.endStream { end(context) }
        case (.data, .done), (.headers, .done):
            break  // after the answer: read and dropped
        default:
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .headers(let h) = unwrapOutboundIn(data), h.headers.first(name: ":status") == "415" {
            onRefusedByTransport("unsupported_media_type")
        }
        if case .headers(let h) = unwrapOutboundIn(data), h.endStream {
            // The server has answered: whatever is still buffered or arrives is of no use.
            state = .done
            message = nil
            reservation.shrink(to: 0)
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        message = nil
        reservation.shrink(to: 0)
        context.fireChannelInactive()
    }

    /// Content type and encoding; the encoding is taken out, so that grpc-swift never decompresses.
    private func inspect(_ headers: inout HPACKHeaders) {
        let contentType = headers.first(name: "content-type") ?? ""
        if contentType != "application/grpc" && !contentType.hasPrefix("application/grpc+") && !contentType.hasPrefix("application/grpc;") {
            invalidHeaders = (GRPCEnvelope.invalidArgument, "content-type must be application/grpc")
        }
        let encodings = headers[canonicalForm: "grpc-encoding"]
        headers.remove(name: "grpc-encoding")
        headers.remove(name: GRPCEnvelope.reservedHeader)
        switch encodings.map({ $0.lowercased() }) {
        case [], ["identity"]: coding = .identity
        case ["gzip"]: coding = .gzip
        case ["deflate"]: coding = .deflate
        default: invalidHeaders = invalidHeaders ?? (GRPCEnvelope.unimplemented, "grpc-encoding must be identity, gzip or deflate")
        }
    }

    private func consume(_ context: ChannelHandlerContext, _ bytes: inout ByteBuffer) {
        while bytes.readableBytes > 0, case .reading = state {
            if expected == nil {
                let take = min(5 - prefix.count, bytes.readableBytes)
                prefix += bytes.readBytes(length: take)!
                guard prefix.count == 5 else { return }
                guard messages == 0 else {
                    return finish(context, .error(code: GRPCEnvelope.invalidArgument, "an Export call carries exactly one message; a second one followed"))
                }
                let flag = prefix[0]
                let length = Int(prefix[1]) << 24 | Int(prefix[2]) << 16 | Int(prefix[3]) << 8 | Int(prefix[4])
                guard flag <= 1 else {
                    return finish(context, .error(code: GRPCEnvelope.invalidArgument, "compressed flag must be 0 or 1, got \(flag)"))
                }
                guard flag == 0 || coding != .identity else {
                    return finish(context, .error(code: GRPCEnvelope.invalidArgument, "a compressed message without grpc-encoding"))
                }
                guard length <= maxMessageBytes else {
                    return finish(
                        context,
                        .error(
                            code: GRPCEnvelope.resourceExhausted,
                            "message of \(length) bytes is over the \(maxMessageBytes)-byte limit"))
                }
                guard reservation.cover(length + GRPCEnvelope.overhead) else {
                    return finish(context, .error(code: GRPCEnvelope.unavailable, "memory limit reached; retry later"))
                }
                expected = length
                var m = context.channel.allocator.buffer(capacity: length + GRPCEnvelope.overhead)
                GRPCEnvelope.writeHeader(into: &m, payloadLength: length, coding: flag == 1 ? coding : .identity)
                message = m
            }
            let want = expected! - (message!.readableBytes - GRPCEnvelope.overhead)
            let take = min(want, bytes.readableBytes)
            var slice = bytes.readSlice(length: take)!
            message!.writeBuffer(&slice)
            if take == want {
                messages += 1
                expected = nil
                prefix = []
            }
        }
    }

    /// The request ended: hand on the message, or say what was wrong with the framing.
    private func end(_ context: ChannelHandlerContext) {
        guard case .reading = state else { return }
        if let expected {
            let got = message.map { $0.readableBytes - GRPCEnvelope.overhead } ?? 0
            return finish(
                context,
                .error(
                    code: GRPCEnvelope.invalidArgument,
                    "truncated message: its length prefix says \(expected) bytes, \(got) arrived"))
        }
        if !prefix.isEmpty {
            return finish(context, .error(code: GRPCEnvelope.invalidArgument, "truncated message: \(prefix.count) bytes of a 5-byte length prefix"))
        }
        guard messages == 1, let m = message else {
            return finish(context, .error(code: GRPCEnvelope.invalidArgument, "no message: an Export call carries exactly one"))
        }
        finish(context, .message(m))
    }

    private enum Outcome {
        case message(ByteBuffer)
        case error(code: UInt8, String)
    }

    private func finish(_ context: ChannelHandlerContext, _ outcome: Outcome) {
        state = .done
        let buffer: ByteBuffer
        switch outcome {
        case .message(let m): buffer = m
        case .error(let code, let text):
            buffer = GRPCEnvelope.error(code: code, text, allocator: context.channel.allocator)
            message = nil
            reservation.shrink(to: 0)
        }
        context.fireChannelRead(wrapInboundOut(.data(.init(data: .byteBuffer(buffer), endStream: true))))
        // The handler reserves the message itself when it takes it; holding this reservation too would
        // count the same bytes twice for the whole request (with a small limit, refusing everything).
        if case .message = outcome {
            message = nil
            reservation.shrink(to: 0)
        }
    }
}
