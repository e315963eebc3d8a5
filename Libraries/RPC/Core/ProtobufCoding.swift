import NIOCore
import SwiftProtobuf

/// Moves protobuf messages in and out of frame payloads without intermediate copies: a 1.4 MB image
/// in a request was copied five times on its way in and out of the wire before (docs/performance.md,
/// "ImageOps"), and each fresh megabyte-sized buffer costs page faults as well as the copy.
enum ProtobufCoding {
    static func decode<M: SwiftProtobuf.Message>(_ type: M.Type, from buffer: ByteBuffer) throws(RPCError) -> M {
        do {
            // Parsed straight from the frame's bytes (a RawSpan over them), not from a copy.
            return try buffer.withUnsafeReadableBytes { try M(serializedBytes: $0.bytes) }
        } catch {
            throw RPCError(.internal, "could not decode \(M.protoMessageName): \(error)")
        }
    }

    /// Serializes into `Bytes`: an array, or a `SerializedByteBuffer` ready to be a frame's payload.
    static func encode<Bytes: SwiftProtobufContiguousBytes>(
        _ message: some SwiftProtobuf.Message, as _: Bytes.Type = [UInt8].self
    ) throws(RPCError) -> Bytes {
        do {
            return try message.serializedBytes()
        } catch {
            throw RPCError(.internal, "could not encode \(type(of: message).protoMessageName): \(error)")
        }
    }

    /// Serializes straight into a `ByteBuffer` (no intermediate array).
    static func encodeToBuffer(_ message: some SwiftProtobuf.Message) throws(RPCError) -> ByteBuffer {
        try self.encode(message, as: SerializedByteBuffer.self).buffer
    }
}

/// A `ByteBuffer` that SwiftProtobuf serializes into: it sizes the buffer once, then writes the
/// encoding in place.
struct SerializedByteBuffer: SwiftProtobufContiguousBytes {
    var buffer: ByteBuffer

    init(repeating byte: UInt8, count: Int) {
        self.buffer = ByteBufferAllocator().buffer(capacity: count)
        self.buffer.writeRepeatingByte(byte, count: count)
    }

    init<S: Sequence>(_ sequence: S) where S.Element == UInt8 {
        self.buffer = ByteBufferAllocator().buffer(capacity: sequence.underestimatedCount)
        self.buffer.writeBytes(sequence)
    }

    var count: Int { self.buffer.readableBytes }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try self.buffer.withUnsafeReadableBytes(body)
    }

    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try self.buffer.withUnsafeMutableReadableBytes(body)
    }
}
