import Edge
import Foundation
import NIOCore
import NIOEmbedded
import RPC
import Storage
import Vips

/// libFuzzer's entry point: one input to the target FUZZ_TARGET names. A target returns normally
/// for every input, refusals included; a crash, a trap or an invariant broken below is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    switch FuzzTarget.selected {
    case .frames: FuzzTarget.frames(bytes)
    case .multipart: FuzzTarget.multipart(bytes)
    case .range: FuzzTarget.range(bytes)
    case .sniffer: FuzzTarget.sniffer(bytes)
    case .names: FuzzTarget.names(bytes)
    case .imageHeaders: FuzzTarget.imageHeaders(bytes)
    }
    return 0
}

enum FuzzTarget: String, CaseIterable {
    case frames, multipart, range, sniffer, names
    case imageHeaders = "image-headers"

    static let selected: FuzzTarget = {
        guard let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"], let target = FuzzTarget(rawValue: name)
        else {
            fatalError("FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return target
    }()

    /// The RPC frame decoder on a byte stream cut in two at a point the input's first byte picks:
    /// frames and oversized-frame reports come out, or a decoding error; nothing else.
    static func frames(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let stream = Array(bytes.dropFirst())
        let cut = stream.isEmpty ? 0 : Int(first) % (stream.count + 1)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxPayloadSize: 1 << 16)))
        defer { _ = try? channel.finish() }
        for piece in [stream[..<cut], stream[cut...]] {
            do {
                try channel.writeInbound(ByteBuffer(bytes: piece))
                while let event = try channel.readInbound(as: FrameEvent.self) {
                    if case .frame(let frame) = event { precondition(frame.payload.readableBytes <= 1 << 16) }
                }
            } catch {
                return
            }
        }
    }

    /// The multipart reader fed in chunks of the sizes the input's first bytes give, with a fixed
    /// boundary: events or `Malformed`, and never more part bytes out than body bytes in.
    static func multipart(_ bytes: [UInt8]) {
        guard bytes.count >= 2 else { return }
        let chunk = Int(bytes[0]) % 64 + 1
        let body = Array(bytes.dropFirst())
        var reader = MultipartReader(boundary: "fuzz-boundary")
        var out = 0
        var offset = 0
        while offset < body.count {
            let end = min(body.count, offset + chunk)
            do {
                for event in try reader.feed(ByteBuffer(bytes: body[offset..<end])) {
                    if case .data(let data) = event { out += data.count }
                }
            } catch {
                return
            }
            offset = end
        }
        precondition(out <= body.count, "more part bytes than body bytes")
        _ = MultipartReader.boundary(contentType: String(decoding: body.prefix(200), as: UTF8.self))
    }

    /// A Range header against a size from the input: any range answered lies inside the content.
    static func range(_ bytes: [UInt8]) {
        guard bytes.count >= 8 else { return }
        let size = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % (1 << 40)
        let header = String(decoding: bytes.dropFirst(8), as: UTF8.self)
        if case .partial(let range) = HTTPRange.parse(header, size: size) {
            precondition(range.length > 0 && range.offset < size && range.length <= size - range.offset)
        }
    }

    /// The content sniffer on any head: a content type always, sizes never negative.
    static func sniffer(_ bytes: [UInt8]) {
        let sniffed = ContentSniffer.sniff(bytes)
        precondition(!sniffed.contentType.isEmpty && sniffed.width >= 0 && sniffed.height >= 0)
    }

    /// Display names and zip entry names: no path separators, no control characters, bounded, unique.
    static func names(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let cleaned = DisplayName.clean(text)
        precondition(!cleaned.unicodeScalars.contains { $0 == "/" || $0 == "\\" } && cleaned != "." && cleaned != "..")
        precondition(cleaned.count <= DisplayName.maxLength)
        precondition(!cleaned.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
        let parts = text.split(separator: "\n", maxSplits: 8).map(String.init)
        let names = DisplayName.archiveNames(
            parts.enumerated().map { (id: "\($0.offset)", displayName: $0.element, contentType: "image/png") })
        precondition(Set(names).count == names.count, "zip entry names repeat")
        precondition(names.allSatisfy { !$0.unicodeScalars.contains { $0 == "/" || $0 == "\\" } && !$0.isEmpty })
    }

    /// ImageOps' loader on untrusted bytes: the header is read and the limits checked, or refused.
    static func imageHeaders(_ bytes: [UInt8]) {
        guard let image = try? VipsImage.load(bytes) else { return }
        precondition(image.width > 0 && image.height > 0)
    }
}
