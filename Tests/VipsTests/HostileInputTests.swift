import ImageSamples
import Testing
import Vips

/// Untrusted bytes: each is a clear error, and the next call works.
@Suite("hostile input")
struct HostileInputTests {
    @Test func emptyAndNonImageBytesAreRefused() {
        let empty = #expect(throws: VipsError.self) { try VipsImage.load([]) }
        #expect(empty?.kind == .unsupportedInput)
        let text = #expect(throws: VipsError.self) { try VipsImage.load(Array("<html>hello</html>".utf8)) }
        #expect(text?.kind == .unsupportedInput)
    }

    @Test func decompressionBombIsRefusedFromItsHeader() {
        let bomb = Samples.pngBomb(width: 30_000, height: 30_000)
        #expect(bomb.count < 100)
        let error = #expect(throws: VipsError.self) { try VipsImage.load(bomb) }
        #expect(error?.kind == .limitExceeded)
        #expect(error?.message.contains("30000×30000") == true)
        #expect(throws: VipsError.self) { try VipsImage.thumbnail(bomb, width: 100) }
    }

    @Test func limitsAreConfigurable() throws {
        let jpeg = try Samples.jpeg(width: 640, height: 480)
        var limits = ImageLimits()
        limits.maxPixels = 100_000
        #expect(throws: VipsError.self) { try VipsImage.load(jpeg, limits: limits) }
        limits = ImageLimits()
        limits.maxInputBytes = 100
        let tooBig = #expect(throws: VipsError.self) { try VipsImage.load(jpeg, limits: limits) }
        #expect(tooBig?.kind == .limitExceeded)
    }

    @Test func truncatedJPEGFailsInsteadOfReturningAHalfGreyImage() throws {
        let jpeg = try Samples.jpeg(width: 640, height: 480)
        let truncated = Array(jpeg.prefix(jpeg.count / 2))
        #expect(throws: VipsError.self) {
            let image = try VipsImage.load(truncated)
            _ = try image.encoded(as: .png)
        }
        #expect(throws: VipsError.self) { _ = try VipsImage.thumbnail(truncated, width: 100).encoded(as: .jpeg) }
        // The library is still fine afterwards.
        #expect(try VipsImage.thumbnail(jpeg, width: 10).width == 10)
    }

    @Test func formatsOnlyUntrustedLoadersReadAreBlocked() {
        // BMP has no native libvips loader: only ImageMagick (blocked as untrusted) could read it.
        var bmp: [UInt8] =
            Array("BM".utf8) + [70, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 24, 0]
        bmp += Array(repeating: 0, count: 70 - bmp.count)
        let error = #expect(throws: VipsError.self) { try VipsImage.load(bmp) }
        #expect(error?.kind == .unsupportedInput)
    }
}
