import NIOCore
import SwiftProtobuf

/// Moves protobuf messages in and out of frame payloads.
enum ProtobufCoding {
    static func decode<M: SwiftProtobuf.Message>(_ type: M.Type, from buffer: ByteBuffer) throws(RPCError) -> M {
        do {
            return try buffer.withUnsafeReadableBytes { try M(serializedBytes: Array($0)) }
        } catch {
            throw RPCError(.internal, "could not decode \(M.protoMessageName): \(error)")
        }
    }

    static func encode(_ message: some SwiftProtobuf.Message) throws(RPCError) -> [UInt8] {
        do {
            return try message.serializedBytes()
        } catch {
            throw RPCError(.internal, "could not encode \(type(of: message).protoMessageName): \(error)")
        }
    }
}
