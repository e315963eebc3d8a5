import NIOCore
import NIOEmbedded
import NIOTestUtils
import RPC
import Testing

@Suite("frame decoder")
struct FrameDecoderTests {
    func frame(_ type: FrameType, flags: UInt8 = 0, id: UInt32, _ payload: [UInt8]) -> (ByteBuffer, [FrameEvent]) {
        let bytes = frameBytes(type.rawValue, flags: flags, callID: id, payload: payload)
        return (
            ByteBuffer(bytes: bytes),
            [.frame(Frame(type: type, flags: flags, callID: id, payload: ByteBuffer(bytes: payload)))]
        )
    }

    /// The verifier feeds every input whole, byte by byte, split at every boundary, and in one
    /// concatenated stream, and checks the decoder produces the same frames each time.
    @Test func framesSplitAtEveryByteBoundaryDecodeTheSame() throws {
        let pairs = [
            frame(.hello, id: 0, [8, 1]),
            frame(.headers, id: 1, Array("abc".utf8)),
            frame(.message, flags: FrameFlags.endStream, id: 1, Array(repeating: 7, count: 300)),
            frame(.message, id: 2, []),
            frame(.ping, flags: FrameFlags.ack, id: 0, [1, 2, 3, 4, 5, 6, 7, 8]),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            FrameDecoder(maxPayloadSize: 1024)
        }
    }

    @Test func oversizedFrameIsReportedAndSkippedWithoutBuffering() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxPayloadSize: 16)))
        let big = frameBytes(FrameType.message.rawValue, flags: 1, callID: 5, payload: Array(repeating: 1, count: 100))
        let next = frameBytes(FrameType.message.rawValue, callID: 6, payload: [9])
        // Deliver the oversized payload in pieces: the decoder reports it at once and drops each piece.
        try channel.writeInbound(ByteBuffer(bytes: big[0..<20]))
        #expect(try channel.readInbound(as: FrameEvent.self) == .oversized(type: 3, flags: 1, callID: 5, length: 100))
        try channel.writeInbound(ByteBuffer(bytes: big[20...] + next))
        #expect(
            try channel.readInbound(as: FrameEvent.self)
                == .frame(Frame(type: .message, callID: 6, payload: ByteBuffer(bytes: [9]))))
        #expect(try channel.readInbound(as: FrameEvent.self) == nil)
        _ = try channel.finish()
    }

    @Test func unknownFrameTypesDecodeSoThatTheConnectionCanIgnoreThem() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxPayloadSize: 16)))
        try channel.writeInbound(ByteBuffer(bytes: frameBytes(99, callID: 0, payload: [1])))
        let event = try channel.readInbound(as: FrameEvent.self)
        guard case .frame(let frame) = event else {
            Issue.record("expected a frame")
            return
        }
        #expect(frame.kind == nil && frame.type == 99)
        _ = try channel.finish()
    }
}
