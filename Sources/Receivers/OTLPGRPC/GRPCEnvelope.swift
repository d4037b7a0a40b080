import GRPCCore
import NIOCore

/// The one message `GRPCRequestGuard` hands grpc-swift for each Export call, inside ordinary gRPC
/// framing: a tag byte, then either the client's message (as sent, with the compression the tag
/// names) or an error (status code byte, UTF-8 text) for the handler to answer with. Every message the
/// handler receives went through the guard, so a client cannot send an envelope of its own.
enum GRPCEnvelope {
    enum Coding: UInt8, Sendable { case identity = 0, gzip = 1, deflate = 2 }
    static let errorTag: UInt8 = 0xEE
    /// The gRPC prefix and the tag.
    static let overhead = 6
    /// A request header of this name is removed on the way in (the guard speaks for itself).
    static let reservedHeader = "x-genai-collector-envelope"

    static let invalidArgument = WireStatus.invalid.grpc
    static let resourceExhausted = WireStatus.tooLarge.grpc
    static let unimplemented = WireStatus.unimplemented.grpc
    static let unavailable = WireStatus.overMemoryLimit.grpc

    static func writeHeader(into buffer: inout ByteBuffer, payloadLength: Int, coding: Coding) {
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(payloadLength + 1))
        buffer.writeInteger(coding.rawValue)
    }

    static func error(code: UInt8, _ text: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var b = allocator.buffer(capacity: text.utf8.count + 7)
        b.writeInteger(UInt8(0))
        b.writeInteger(UInt32(text.utf8.count + 2))
        b.writeInteger(errorTag)
        b.writeInteger(code)
        b.writeString(text)
        return b
    }

    enum Content: Sendable {
        case message([UInt8], Coding)
        case error(code: Int, String)
    }

    /// Opens the envelope as grpc-swift hands over its bytes: one copy, without the tag.
    struct Deserializer: MessageDeserializer {
        func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Content {
            serializedMessageBytes.withUnsafeBytes { raw in
                guard let tag = raw.first else { return .error(code: Int(invalidArgument), "no message: an Export call carries exactly one") }
                if tag == errorTag, raw.count >= 2 {
                    return .error(code: Int(raw[1]), String(decoding: raw[2...], as: UTF8.self))
                }
                guard let coding = Coding(rawValue: tag) else { return .error(code: Int(invalidArgument), "malformed message") }
                return .message(Array(raw[1...]), coding)
            }
        }
    }
}
