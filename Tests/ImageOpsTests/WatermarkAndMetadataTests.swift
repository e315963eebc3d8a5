import Foundation
import ImageSamples
import ImageSwissProtos
import RPC
import TestSupport
import Testing
import Vips

@Suite("ImageOps watermarks, metadata and step order")
struct WatermarkAndMetadataTests {
    /// A flat colour, so that whatever a watermark draws stands out.
    static func flat(width: Int, height: Int, rgb: [Int]) throws -> VipsImage {
        let black = try VipsOperationCall.run(
            "black", [("width", .int(width)), ("height", .int(height)), ("bands", .int(3))]
        ) { try $0.image() }
        let coloured = try VipsOperationCall.run(
            "linear",
            [
                ("in", .image(black)), ("a", .text("1")), ("b", .text(rgb.map(String.init).joined(separator: " "))),
                ("uchar", .bool(true)),
            ]
        ) { try $0.image() }
        return try VipsOperationCall.run("copy", [("in", .image(coloured)), ("interpretation", .text("srgb"))]) {
            try $0.image()
        }
    }

    /// The mean of one band over a rectangle.
    static func mean(_ image: VipsImage, band: Int, _ left: Int, _ top: Int, _ width: Int, _ height: Int) throws
        -> Double
    {
        let area = try image.cropped(left: left, top: top, width: width, height: height)
        let one = try VipsOperationCall.run("extract_band", [("in", .image(area)), ("band", .int(band))]) {
            try $0.image()
        }
        return try VipsOperationCall.run("avg", [("in", .image(one))]) { $0.double("out") }
    }

    @Test func gpsIsStrippedByDefaultAndKeptOnRequest() async throws {
        let service = try await ImageOpsProcess.start()
        let tagged = Samples.withGPS(try Samples.photo(width: 640, height: 480))
        var inspect = ImageOpsInspectRequest()
        inspect.image = Data(tagged)
        #expect(try await service.client.unary(ImageOpsMethods.inspect, inspect).hasGps_p)

        for steps: [(String, [String: String])] in [
            [], [("resize", ["width": "200"])], [("convert", ["format": "webp"])], [("grayscale", [:])],
        ] {
            let result = try await service.process(tagged, steps)
            #expect(!result.info.hasGps_p)
            #expect(!(try VipsImage.load(Array(result.image)).hasGPS), "GPS survived \(steps.map(\.0))")
        }
        // Kept on request, also through the resize fast path (JPEG shrink-on-load).
        for steps: [(String, [String: String])] in [
            [("convert", ["format": "jpeg", "keep_metadata": "true"])],
            [("resize", ["width": "200"]), ("convert", ["keep_metadata": "true"])],
        ] {
            let kept = try await service.process(tagged, steps)
            #expect(kept.info.hasGps_p)
            #expect(try VipsImage.load(Array(kept.image)).hasGPS, "\(steps.map(\.0))")
        }
        try await service.stop()
    }

    @Test func textWatermarkIsDrawnWhereAsked() async throws {
        let service = try await ImageOpsProcess.start()
        let grey = try Self.flat(width: 640, height: 480, rgb: [90, 90, 90]).encoded(as: .png)
        let result = try await service.process(
            grey,
            [
                (
                    "watermark",
                    [
                        "text": "ImageSwiss <&> ©", "color": "ff0000", "opacity": "1", "position": "southeast",
                        "font_size": "40",
                    ]
                )
            ])
        #expect(result.contentType == "image/png")
        let image = try VipsImage.load(Array(result.image)).inMemory()
        #expect((image.width, image.height, image.bands) == (640, 480, 3))
        // Red glyphs in the bottom-right quarter, untouched grey in the top-left one.
        let (red, green) = (
            try Self.mean(image, band: 0, 320, 240, 320, 240), try Self.mean(image, band: 1, 320, 240, 320, 240)
        )
        #expect(red > green + 5, "red \(red) green \(green)")
        #expect(try Self.mean(image, band: 0, 0, 0, 320, 240) == 90)
        #expect(try Self.mean(image, band: 1, 0, 0, 320, 240) == 90)
        try await service.stop()
    }

    @Test func imageWatermarkIsScaledPlacedAndBlended() async throws {
        let service = try await ImageOpsProcess.start()
        let base = try Self.flat(width: 800, height: 600, rgb: [100, 100, 100]).encoded(as: .png)
        let logo = try Self.flat(width: 100, height: 100, rgb: [255, 0, 0]).encoded(as: .png)
        let result = try await service.process(
            base, [("watermark", ["image": "true", "scale": "0.25", "opacity": "0.5", "position": "northwest"])],
            overlay: logo)
        let image = try VipsImage.load(Array(result.image)).inMemory()
        #expect((image.width, image.height, image.bands) == (800, 600, 3))
        // 200×200 at 16 px from the top-left corner; half-way between the grey and the red there.
        let red = try Self.mean(image, band: 0, 40, 40, 150, 150)
        let green = try Self.mean(image, band: 1, 40, 40, 150, 150)
        #expect(abs(red - 177.5) < 3 && abs(green - 50) < 3, "red \(red) green \(green)")
        #expect(try Self.mean(image, band: 0, 400, 300, 400, 300) == 100)
        try await service.stop()
    }

    @Test func badWatermarkParametersAreRefused() async throws {
        let service = try await ImageOpsProcess.start()
        let jpeg = try Samples.photo(width: 320, height: 240)
        for parameters in [
            ["text": "x", "position": "upstairs"], ["text": "x", "opacity": "2"],
            ["text": String(repeating: "x", count: 201)],
            ["text": "x", "color": "red"], ["image": "true"], [:],
        ] {
            await #expect(throws: RPCError.self, "\(parameters)") {
                try await service.process(jpeg, [("watermark", parameters)])
            }
        }
        await #expect(throws: RPCError.self) {
            try await service.process(jpeg, [("watermark", ["image": "true"])], overlay: Array("not an image".utf8))
        }
        #expect(try await service.process(jpeg, [("watermark", ["text": "still serving"])]).info.width == 320)
        try await service.stop()
    }

    @Test func stepsRunByStageWhateverTheirOrder() async throws {
        let service = try await ImageOpsProcess.start()
        let jpeg = try Samples.photo(width: 1200, height: 900)
        let canonical = try await service.process(
            jpeg, [("resize", ["width": "300"]), ("sharpen", [:]), ("grayscale", [:]), ("convert", ["format": "png"])])
        let shuffled = try await service.process(
            jpeg, [("convert", ["format": "png"]), ("grayscale", [:]), ("sharpen", [:]), ("resize", ["width": "300"])])
        #expect(canonical.image == shuffled.image)
        #expect((shuffled.info.width, shuffled.info.height, shuffled.contentType) == (300, 225, "image/png"))
        try await service.stop()
    }
}
