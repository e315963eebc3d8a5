import NIOCore
import Testing

@testable import Edge

/// The streaming multipart/form-data parser, fed a body split at every byte boundary.
struct MultipartReaderTests {
    static let body = Array(
        ("--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            + "\r\n--Xy not the boundary\r\n--XyZ--\r\n").utf8)

    @Test("parts, names and bytes come out the same however the body is split")
    func everySplitGivesTheSameParts() throws {
        #expect(MultipartReader.boundary(contentType: "multipart/form-data; boundary=XyZ") == "XyZ")
        #expect(MultipartReader.boundary(contentType: "application/json") == nil)
        for split in 1..<Self.body.count {
            var reader = MultipartReader(boundary: "XyZ")
            var events: [MultipartReader.Event] = []
            for chunk in [Array(Self.body[..<split]), Array(Self.body[split...])] {
                events += try reader.feed(ByteBuffer(bytes: chunk))
            }
            #expect(reader.isComplete)
            var parts: [(String, String?, [UInt8])] = []
            for event in events {
                switch event {
                case .partBegin(let name, let filename): parts.append((name, filename, []))
                case .data(let bytes): parts[parts.count - 1].2 += bytes
                case .partEnd: break
                }
            }
            #expect(parts.map(\.0) == ["note", "file"], "split at \(split)")
            #expect(parts.map(\.1) == [nil, "a.jpg"], "split at \(split)")
            #expect(
                parts.map { String(decoding: $0.2, as: UTF8.self) } == ["hello", "\r\n--Xy not the boundary"],
                "split at \(split)")
        }
    }

    @Test("a part whose headers never end is refused, not buffered")
    func endlessHeadersAreRefused() {
        var reader = MultipartReader(boundary: "b")
        let flood = ByteBuffer(bytes: Array("--b\r\nX: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 20_000))
        #expect(throws: MultipartReader.Malformed.self) { _ = try reader.feed(flood) }
    }
}
