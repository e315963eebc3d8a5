import NIOCore

/// The kinds of frame the protocol defines (docs/protocol.md, "Frames").
public enum FrameType: UInt8, Sendable {
    case hello = 1
    case headers = 2
    case message = 3
    case status = 4
    case cancel = 5
    case ping = 6
    case goAway = 7
}

/// Frame flag bits. Their meaning depends on the frame type.
public enum FrameFlags {
    /// On MESSAGE: the sender sends no more messages on this call.
    public static let endStream: UInt8 = 0x01
    /// On PING: this is the answer to a ping.
    public static let ack: UInt8 = 0x01
}

/// One decoded frame: the 10-byte header's fields and the payload.
public struct Frame: Sendable, Equatable {
    /// Raw type byte; `kind` is nil for a type this version does not know (such frames are ignored).
    public var type: UInt8
    public var flags: UInt8
    public var callID: UInt32
    public var payload: ByteBuffer

    public init(type: FrameType, flags: UInt8 = 0, callID: UInt32, payload: ByteBuffer) {
        self.init(rawType: type.rawValue, flags: flags, callID: callID, payload: payload)
    }

    public init(rawType: UInt8, flags: UInt8, callID: UInt32, payload: ByteBuffer) {
        self.type = rawType
        self.flags = flags
        self.callID = callID
        self.payload = payload
    }

    public var kind: FrameType? { FrameType(rawValue: type) }
    public func has(_ flag: UInt8) -> Bool { flags & flag != 0 }
}

/// Byte layout of the frame header: length(4) type(1) flags(1) call id(4), big-endian.
public enum FrameLayout {
    public static let headerSize = 10
    /// The protocol version this implementation speaks.
    public static let version: UInt32 = 1
    /// Largest HELLO payload accepted before the handshake has agreed anything.
    public static let maxHelloSize = 1024

    /// Builds a whole frame (header + payload) in one buffer, ready to write.
    @inlinable
    public static func encode(
        type: FrameType, flags: UInt8 = 0, callID: UInt32, payload: some Collection<UInt8>,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: headerSize + payload.count)
        buffer.writeFrameHeader(type: type, flags: flags, callID: callID, payloadLength: payload.count)
        buffer.writeBytes(payload)
        return buffer
    }

    /// Builds a frame whose payload is already in a buffer.
    public static func encode(
        type: FrameType, flags: UInt8 = 0, callID: UInt32, payload: ByteBuffer, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: headerSize + payload.readableBytes)
        buffer.writeFrameHeader(type: type, flags: flags, callID: callID, payloadLength: payload.readableBytes)
        buffer.writeImmutableBuffer(payload)
        return buffer
    }
}

extension ByteBuffer {
    /// Writes the 10-byte frame header: length, type, flags, call id (big-endian).
    @inlinable
    public mutating func writeFrameHeader(type: FrameType, flags: UInt8 = 0, callID: UInt32, payloadLength: Int) {
        self.writeMultipleIntegers(UInt32(payloadLength), type.rawValue, flags, callID)
    }
}
