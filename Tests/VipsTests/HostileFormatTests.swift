import ImageSamples
import Testing
import Vips

/// The hostile files of issue 5, each generated here.
@Suite("hostile formats")
struct HostileFormatTests {
    @Test func progressiveJPEGClaimingHugeDimensionsIsRefusedFromItsHeader() throws {
        var jpeg = try Samples.noise(width: 64, height: 48).encoded(as: .jpeg, options: SaveOptions(progressive: true))
        // SOF2 (progressive) frame header: FF C2, length(2), precision(1), height(2), width(2).
        let sof = try #require((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC2 })
        jpeg.replaceSubrange((sof + 5)..<(sof + 9), with: [0xEA, 0x60, 0xEA, 0x60])  // 60000 × 60000
        let error = #expect(throws: VipsError.self) { try VipsImage.load(jpeg) }
        #expect(error?.kind == .limitExceeded)
        #expect(throws: VipsError.self) { try VipsImage.thumbnail(jpeg, width: 100) }
        #expect(throws: VipsError.self) { try VipsImage.fit(jpeg, width: 100, height: 100, enlarge: false) }
    }

    @Test func animationWithTenThousandFramesIsRefused() throws {
        let strip = try Samples.noise(width: 2, height: 10_000).setting("page-height", to: 1)
        let gif = try strip.encoded(as: .gif)
        let error = #expect(throws: VipsError.self) { try VipsImage.load(gif) }
        #expect(error?.kind == .limitExceeded)
        #expect(error?.message.contains("frames; the limit is 1000") == true)  // libvips counts 4097 of them
        // Within the limit, the frames are counted right.
        let small = try Samples.noise(width: 2, height: 20).setting("page-height", to: 2).encoded(as: .gif)
        #expect(try VipsImage.load(small).pageCount == 10)
    }

    @Test func hugeEXIFBlockIsSurvivedAndStripped() throws {
        let jpeg = try Samples.jpeg(width: 64, height: 48)
        // An APP1 "Exif" segment of ~64 KB of junk right after SOI.
        let junk = (0..<65_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let length = junk.count + 8
        let app1: [UInt8] =
            [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + Array("Exif".utf8) + [0, 0] + junk
        let hostile = Array(jpeg.prefix(2)) + app1 + Array(jpeg.dropFirst(2))
        do {
            let out = try VipsImage.load(hostile).encoded(as: .jpeg)
            #expect(out.count < 20_000)  // metadata is not carried over
            #expect(!out.windows(ofCount: 4).contains { Array($0) == Array("Exif".utf8) })
        } catch let error as VipsError {
            #expect(error.kind != .limitExceeded, "refused, but for the wrong reason: \(error)")
        }
    }

    @Test func polyglotIsReencodedWithoutItsPayload() throws {
        let gif = try Samples.noise(width: 32, height: 32).encoded(as: .gif)
        let payload = Array("PK\u{3}\u{4}<script>alert(document.cookie)</script>".utf8)
        let image = try VipsImage.load(gif + payload)
        let png = try image.encoded(as: .png)
        #expect((image.width, image.height) == (32, 32))
        #expect(!png.windows(ofCount: 8).contains { Array($0) == Array("<script>".utf8) })
    }

    @Test func svgWithScriptNeverRunsAndEndsAsPixelsOrAClearRefusal() throws {
        let svg = Array(
            """
            <svg xmlns="http://www.w3.org/2000/svg" width="100" height="80"><script>alert(1)</script>\
            <rect width="100" height="80" fill="red"/></svg>
            """.utf8)
        do {
            let png = try VipsImage.load(svg).encoded(as: .png)
            let back = try VipsImage.load(png)
            #expect((back.width, back.height) == (100, 80))
            #expect(!png.windows(ofCount: 8).contains { Array($0) == Array("<script>".utf8) })
        } catch let error as VipsError {
            #expect(error.kind == .unsupportedInput)
        }
    }
}

extension Array where Element == UInt8 {
    func windows(ofCount count: Int) -> [ArraySlice<UInt8>] {
        guard self.count >= count else { return [] }
        return (0...(self.count - count)).map { self[$0..<($0 + count)] }
    }
}
