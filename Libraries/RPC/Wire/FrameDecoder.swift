import NIOCore

/// What the frame decoder passes up the pipeline.
public enum FrameEvent: Sendable, Equatable {
    case frame(Frame)
    /// A frame longer than the decoder's limit. Its payload was skipped without being buffered, so the
    /// connection survives and the call it belongs to can be answered with RESOURCE_EXHAUSTED.
    case oversized(type: UInt8, flags: UInt8, callID: UInt32, length: UInt32)
}

/// Splits the byte stream into frames (docs/protocol.md, "Frames").
///
/// Memory is bounded by `maxPayloadSize`: an oversized frame is reported as soon as its header is read
/// and its payload is discarded as it arrives.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = FrameEvent

    public let maxPayloadSize: Int
    private var bytesToSkip = 0
    static let maxReservation = 4 << 20

    public init(maxPayloadSize: Int) {
        self.maxPayloadSize = maxPayloadSize
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if self.bytesToSkip > 0 {
            let skipped = min(self.bytesToSkip, buffer.readableBytes)
            buffer.moveReaderIndex(forwardBy: skipped)
            self.bytesToSkip -= skipped
            return self.bytesToSkip == 0 ? .continue : .needMoreData
        }
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
            buffer.readableBytes >= FrameLayout.headerSize
        else { return .needMoreData }

        if Int(length) > self.maxPayloadSize {
            buffer.moveReaderIndex(forwardBy: 4)
            let type = buffer.readInteger(as: UInt8.self)!
            let flags = buffer.readInteger(as: UInt8.self)!
            let callID = buffer.readInteger(as: UInt32.self)!
            self.bytesToSkip = Int(length)
            context.fireChannelRead(
                Self.wrapInboundOut(.oversized(type: type, flags: flags, callID: callID, length: length)))
            return .continue
        }
        let frameSize = FrameLayout.headerSize + Int(length)
        guard buffer.readableBytes >= frameSize else {
            // Room for the frame at once: a megabyte payload arriving in 64 KiB reads would otherwise
            // regrow (and copy) the accumulated bytes several times. At most 4 MiB ahead of the bytes
            // that arrived, so a header alone cannot make the server allocate a maximum-size frame.
            buffer.reserveCapacity(minimumWritableBytes: min(frameSize - buffer.readableBytes, Self.maxReservation))
            return .needMoreData
        }
        buffer.moveReaderIndex(forwardBy: 4)
        let type = buffer.readInteger(as: UInt8.self)!
        let flags = buffer.readInteger(as: UInt8.self)!
        let callID = buffer.readInteger(as: UInt32.self)!
        let payload = buffer.readSlice(length: Int(length))!
        context.fireChannelRead(
            Self.wrapInboundOut(.frame(Frame(rawType: type, flags: flags, callID: callID, payload: payload))))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try self.decode(context: context, buffer: &buffer) == .continue {}
        // A partial frame at EOF is dropped: the peer went away in the middle of it.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}
