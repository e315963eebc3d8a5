import ImageSamples
import Testing
import Vips

@Suite("libvips binding")
struct VipsBindingTests {
    @Test func jpegRoundTripReadsHeaderFacts() throws {
        let jpeg = try Samples.jpeg(width: 640, height: 480)
        #expect(Array(jpeg.prefix(2)) == [0xFF, 0xD8])
        let image = try VipsImage.load(jpeg)
        #expect(image.width == 640 && image.height == 480 && image.bands == 3)
        #expect(image.loader == "jpegload_buffer")
        #expect(image.colorSpace == "srgb")
        #expect(image.orientation == 1 && !image.hasGPS && image.pageCount == 1)
    }

    @Test func thumbnailFitsFillsAndForces() throws {
        let jpeg = try Samples.jpeg(width: 640, height: 480)
        let fit = try VipsImage.thumbnail(jpeg, width: 100)
        #expect((fit.width, fit.height) == (100, 75))
        let box = try VipsImage.thumbnail(jpeg, width: 200, height: 100)
        #expect((box.width, box.height) == (133, 100))
        let filled = try VipsImage.thumbnail(jpeg, width: 100, height: 100, crop: .centre)
        #expect((filled.width, filled.height) == (100, 100))
        let forced = try VipsImage.thumbnail(jpeg, width: 50, height: 80, size: .force)
        #expect((forced.width, forced.height) == (50, 80))
        // Down-only never enlarges.
        let small = try VipsImage.thumbnail(jpeg, width: 2000, size: .down)
        #expect((small.width, small.height) == (640, 480))
        #expect(throws: VipsError.self) { try VipsImage.thumbnail(jpeg, width: 0) }
    }

    @Test func everyCommonFormatEncodesAndReadsBack() throws {
        let image = try Samples.noise(width: 64, height: 48)
        let magic: [ImageFormat: [UInt8]] = [
            .jpeg: [0xFF, 0xD8], .png: [0x89, 0x50, 0x4E, 0x47], .gif: Array("GIF8".utf8), .tiff: [0x49, 0x49],
        ]
        for format in [ImageFormat.jpeg, .png, .webp, .gif, .tiff] {
            let bytes = try image.encoded(as: format, options: SaveOptions(quality: 80))
            if let prefix = magic[format] { #expect(Array(bytes.prefix(prefix.count)) == prefix, "\(format)") }
            if format == .webp { #expect(Array(bytes[8..<12]) == Array("WEBP".utf8)) }
            let back = try VipsImage.load(bytes)
            #expect((back.width, back.height) == (64, 48), "\(format)")
        }
        // Lossless WebP gives back exactly the pixels it was given.
        let lossless = try VipsImage.load(image.encoded(as: .webp, options: SaveOptions(lossless: true)))
        let difference = try VipsOperationCall.run("subtract", [("left", .image(image)), ("right", .image(lossless))]) {
            try $0.image()
        }
        let maxDifference = try VipsOperationCall.run("max", [("in", .image(difference))]) { $0.double("out") }
        #expect(maxDifference == 0)
    }

    @Test func qualityChangesSizeAndIsValidated() throws {
        let image = try Samples.noise(width: 256, height: 256)
        let low = try image.encoded(as: .jpeg, options: SaveOptions(quality: 20))
        let high = try image.encoded(as: .jpeg, options: SaveOptions(quality: 95))
        #expect(low.count < high.count)
        #expect(throws: VipsError.self) { try image.encoded(as: .jpeg, options: SaveOptions(quality: 101)) }
    }

    @Test func unknownOperationsAndArgumentsAreClearErrors() {
        let unknown = #expect(throws: VipsError.self) { try VipsOperationCall.run("no_such_op", []) { _ in 0 } }
        #expect(unknown?.kind == .invalidArgument)
        let badArgument = #expect(throws: VipsError.self) {
            try VipsOperationCall.run("black", [("width", .int(1)), ("height", .int(1)), ("bogus", .int(1))]) {
                try $0.image()
            }
        }
        #expect(badArgument?.message.contains("bogus") == true)
    }
}

@Suite("fit resize")
struct FitResizeTests {
    @Test func fitMatchesThumbnailGeometryAndQuality() throws {
        let jpeg = try Samples.photo(width: 2016, height: 1344)
        for (width, height) in [(512, 512), (300, 800), (1000, nil), (64, 64)] as [(Int, Int?)] {
            let fast = try VipsImage.fit(jpeg, width: width, height: height, enlarge: false)
            let reference = try VipsImage.thumbnail(jpeg, width: width, height: height, size: .down)
            #expect(
                (fast.width, fast.height) == (reference.width, reference.height),
                "\(width)x\(String(describing: height))")
            // Decoded at a DCT scale of eighths (3/8 for 512 px), yet as close to the input as libvips' own path.
            let psnr = try Samples.psnr(fast, reference)
            #expect(psnr > 45, "\(width)x\(String(describing: height)): \(psnr) dB")
        }
        // Gray JPEGs take the scaled decode too; CMYK ones are left to libvips' loader. Both come out right.
        func converted(_ space: String) throws -> [UInt8] {
            try VipsOperationCall.run(
                "colourspace", [("in", .image(try Samples.picture(seed: 7))), ("space", .text(space))]
            ) {
                try $0.image()
            }.encoded(as: .jpeg)
        }
        let gray = try converted("b-w")
        let grayFit = try VipsImage.fit(gray, width: 300, height: 300, enlarge: false)
        #expect((grayFit.width, grayFit.height, grayFit.bands) == (300, 225, 1))
        let cmyk = try converted("cmyk")
        #expect(try VipsImage.load(cmyk).colorSpace == "cmyk")
        let cmykFit = try VipsImage.fit(cmyk, width: 300, height: 300, enlarge: false)
        #expect((cmykFit.width, cmykFit.height, cmykFit.bands) == (300, 225, 4))
        // Never enlarges when asked not to; does when asked.
        let small = try Samples.jpeg(width: 200, height: 100)
        let kept = try VipsImage.fit(small, width: 800, height: 800, enlarge: false)
        #expect((kept.width, kept.height) == (200, 100))
        let grown = try VipsImage.fit(small, width: 800, height: 800, enlarge: true)
        #expect((grown.width, grown.height) == (800, 400))
        // Non-JPEG input takes the thumbnail path.
        let png = try Samples.noise(width: 400, height: 300).encoded(as: .png)
        let fromPNG = try VipsImage.fit(png, width: 100, height: 100, enlarge: false)
        #expect((fromPNG.width, fromPNG.height) == (100, 75))
    }
}

@Suite("tone")
struct ToneTests {
    static func mean(_ image: VipsImage) throws -> Double {
        try VipsOperationCall.run("avg", [("in", .image(image))]) { $0.double("out") }
    }

    @Test func brightnessContrastAndGammaMoveTheMeanTheRightWay() throws {
        let image = try Samples.noise(width: 200, height: 100)
        let base = try Self.mean(image)
        #expect(try Self.mean(image.adjusted(brightness: 0.2)) > base + 40)
        #expect(try Self.mean(image.adjusted(brightness: -0.2)) < base - 40)
        #expect(abs(try Self.mean(image.adjusted()) - base) < 0.5)  // identity
        let flat = try image.adjusted(contrast: 0.01)
        #expect(abs(try Self.mean(flat) - 128) < 2)  // contrast toward zero flattens to mid-grey
        #expect(try Self.mean(image.gammaCorrected(2.2)) > base)
        #expect(try Self.mean(image.gammaCorrected(0.5)) < base)
        #expect(throws: VipsError.self) { try image.adjusted(contrast: 0) }
        #expect(throws: VipsError.self) { try image.gammaCorrected(-1) }
    }
}

@Suite("colour effects")
struct ColourEffectTests {
    static func meanPerBand(_ image: VipsImage) throws -> [Double] {
        try (0..<image.bands).map { band in
            let one = try VipsOperationCall.run("extract_band", [("in", .image(image)), ("band", .int(band))]) {
                try $0.image()
            }
            return try VipsOperationCall.run("avg", [("in", .image(one))]) { $0.double("out") }
        }
    }

    @Test func sepiaWarmsAndTintFollowsTheColour() throws {
        let grey = try Samples.noise(width: 120, height: 80)
        let sepia = try Self.meanPerBand(grey.sepia())
        #expect(sepia.count == 3)
        #expect(sepia[0] > sepia[1] && sepia[1] > sepia[2])  // red > green > blue: warm brown
        let blue = try Self.meanPerBand(grey.tinted(red: 0, green: 0, blue: 255))
        #expect(blue[0] < 1 && blue[1] < 1 && blue[2] > 50)
        #expect(throws: VipsError.self) { try grey.tinted(red: 300, green: 0, blue: 0) }
    }

    @Test func alphaSurvivesColourEffects() throws {
        let rgb = try Samples.noise(width: 40, height: 30)
        let opaque = try VipsOperationCall.run("black", [("width", .int(40)), ("height", .int(30))]) { try $0.image() }
        let alphaBand = try VipsOperationCall.run(
            "linear", [("in", .image(opaque)), ("a", .text("1")), ("b", .text("200")), ("uchar", .bool(true))]
        ) { try $0.image() }
        let rgba = try VipsOperationCall.run("bandjoin", [("in", .images([rgb, alphaBand]))]) { try $0.image() }
        #expect(rgba.bands == 4)
        let sepia = try rgba.sepia()
        #expect(sepia.bands == 4)
        #expect(try Self.meanPerBand(sepia)[3] == 200)
    }
}

@Suite("enhance")
struct EnhanceTests {
    /// Per-band means, and the mean of the per-band standard deviations (contrast, not colour cast).
    static func stats(_ image: VipsImage) throws -> (means: [Double], deviation: Double) {
        let means = try ColourEffectTests.meanPerBand(image)
        let deviations = try (0..<3).map { band -> Double in
            let one = try VipsOperationCall.run("extract_band", [("in", .image(image)), ("band", .int(band))]) {
                try $0.image()
            }
            return try VipsOperationCall.run("deviate", [("in", .image(one))]) { $0.double("out") }
        }
        return (means, deviations.reduce(0, +) / 3)
    }

    @Test func fadedColourCastPhotoGetsContrastBackAndLosesItsCast() throws {
        // A faded, yellowed "old photo": low contrast, red and green lifted above blue.
        let photo = try Samples.picture(seed: 7, width: 320, height: 240)
        let faded = try VipsOperationCall.run(
            "linear",
            [
                ("in", .image(photo)), ("a", .text("0.35 0.33 0.25")), ("b", .text("120 105 70")),
                ("uchar", .bool(true)),
            ]
        ) { try $0.image() }
        let before = try Self.stats(faded)
        let restored = try faded.enhanced()
        let after = try Self.stats(restored)
        #expect((restored.width, restored.height, restored.bands) == (320, 240, 3))
        #expect(after.deviation > before.deviation * 1.5, "contrast \(before.deviation) → \(after.deviation)")
        let castBefore = before.means.max()! - before.means.min()!
        let castAfter = after.means.max()! - after.means.min()!
        #expect(castAfter < castBefore / 2, "colour cast \(castBefore) → \(castAfter)")
    }
}
