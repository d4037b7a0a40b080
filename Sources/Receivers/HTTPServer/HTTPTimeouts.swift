import CollectorCore
import NIOCore
import NIOHTTP1

/// Closes an HTTP/1.1 connection whose client is too slow: no request started within the idle
/// timeout, headers not complete within the header timeout of their first byte, or a body arriving
/// below the minimum rate. One timer per connection, re-armed as the request moves on.
final class HTTPTimeouts: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    enum Reason: String { case idle = "idle_timeout", slowHeaders = "read_header_timeout", slowBody = "min_body_rate" }

    private enum State {
        case idle
        case readingHead
        case readingBody(since: NIODeadline, bytes: Int)
        /// The request is complete; the handler is answering it.
        case answering
    }

    private let limits: HTTPServerLimits
    private let onTimeout: @Sendable (Reason) -> Void
    private var state = State.idle
    private var timer: Scheduled<Void>?

    init(limits: HTTPServerLimits, onTimeout: @escaping @Sendable (Reason) -> Void) {
        self.limits = limits
        self.onTimeout = onTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, after: limits.idleTimeout, .idle) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context, after: limits.idleTimeout, .idle)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    /// Told by `ByteActivity` that bytes arrived: the first byte of a request starts its header clock.
    func bytesArrived(_ context: ChannelHandlerContext) {
        guard case .idle = state else { return }
        state = .readingHead
        arm(context, after: limits.readHeaderTimeout, .slowHeaders)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            state = .readingBody(since: .now(), bytes: 0)
            armBodyCheck(context)
        case .body(let chunk):
            if case .readingBody(let since, let bytes) = state { state = .readingBody(since: since, bytes: bytes + chunk.readableBytes) }
        case .end:
            state = .answering
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), case .answering = state {
            state = .idle
            arm(context, after: limits.idleTimeout, .idle)
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, after delay: Duration, _ reason: Reason) {
        timer?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: TimeAmount(delay)) {
            let (handler, context) = loopBound.value
            handler.fire(context, reason)
        }
    }

    /// After the header timeout's grace, the body's average rate is checked every second.
    private func armBodyCheck(_ context: ChannelHandlerContext, after delay: Duration? = nil) {
        timer?.cancel()
        timer = nil
        guard limits.minBodyBytesPerSecond > 0 else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: TimeAmount(delay ?? limits.readHeaderTimeout)) {
            let (handler, context) = loopBound.value
            handler.checkBodyRate(context)
        }
    }

    private func checkBodyRate(_ context: ChannelHandlerContext) {
        guard case .readingBody(let since, let bytes) = state else { return }
        let elapsed = Double((NIODeadline.now() - since).nanoseconds) / 1e9
        let grace = limits.readHeaderTimeout.seconds
        if Double(bytes) < Double(limits.minBodyBytesPerSecond) * (elapsed - grace) {
            fire(context, .slowBody)
            return
        }
        armBodyCheck(context, after: .seconds(1))
    }

    private func fire(_ context: ChannelHandlerContext, _ reason: Reason) {
        timer = nil
        switch (state, reason) {
        case (.idle, .idle), (.readingHead, .slowHeaders), (.readingBody, .slowBody):
            onTimeout(reason)
            context.close(promise: nil)
        default:
            break  // the state moved on since the timer was armed
        }
    }
}

/// Raw bytes as they arrive, before HTTP parsing: the start of each request for `HTTPTimeouts`.
final class ByteActivity: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeouts: HTTPTimeouts
    private var timeoutsContext: ChannelHandlerContext?

    init(timeouts: HTTPTimeouts) { self.timeouts = timeouts }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if timeoutsContext == nil { timeoutsContext = try? context.pipeline.syncOperations.context(handler: timeouts) }
        if let timeoutsContext { timeouts.bytesArrived(timeoutsContext) }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) { timeoutsContext = nil }
}

extension TimeAmount {
    init(_ d: Duration) {
        let (s, atto) = d.components
        self = .nanoseconds(s * 1_000_000_000 + atto / 1_000_000_000)
    }
}
