import ImageSamples
import Testing
import Vips

/// Straightening a photographed print (Libraries/Vips/Perspective.swift): the homography's algebra,
/// and a print warped onto a larger canvas as a camera at an angle would see it, then flattened back.
@Suite("perspective correction")
struct PerspectiveTests {
    static let quad: [(x: Double, y: Double)] = [(60, 40), (430, 75), (460, 350), (35, 330)]

    @Test func theMapTakesTheRectangleOntoTheCorners() throws {
        let map = try #require(Homography.mapping(width: 300, height: 200, to: Self.quad))
        for (corner, expected) in zip([(0.0, 0.0), (300.0, 0.0), (300.0, 200.0), (0.0, 200.0)], Self.quad) {
            let point = map.apply(corner.0, corner.1)
            #expect(abs(point.x - expected.x) < 1e-6 && abs(point.y - expected.y) < 1e-6, "\(corner) → \(point)")
        }
        // The corners in the other turning order would mirror the print; a crossed or flat shape is no print.
        #expect(Homography.mapping(width: 300, height: 200, to: Self.quad.reversed()) == nil)
        #expect(
            Homography.mapping(width: 300, height: 200, to: [Self.quad[0], Self.quad[2], Self.quad[1], Self.quad[3]])
                == nil)
        #expect(Homography.mapping(width: 300, height: 200, to: [(0, 0), (10, 10), (20, 20), (30, 30)]) == nil)
        #expect(Homography.mapping(width: 300, height: 200, to: [(0, 0), (2, 0), (2, 2), (0, 2)]) == nil)
    }

    @Test func aPrintSeenAtAnAngleComesBackFlat() throws {
        let print = try Samples.picture(seed: 3, width: 400, height: 300)
        let rectangle: [(x: Double, y: Double)] = [(0, 0), (400, 0), (400, 300), (0, 300)]
        // The camera's view: canvas pixel → print pixel, black around the print.
        let view = try #require(Homography.mapping(from: Self.quad, to: rectangle))
        let photographed = try print.warped(by: view, width: 500, height: 400)

        let flattened = try photographed.perspectiveCorrected(corners: Self.quad)
        #expect(flattened.width > 300 && flattened.height > 250, "\(flattened.width)×\(flattened.height)")
        let back = try Self.scaled(flattened, width: 400, height: 300)
        let naive = try Self.scaled(
            try photographed.cropped(left: 35, top: 40, width: 425, height: 310), width: 400, height: 300)
        let recovered = try Samples.psnr(back, print)
        let cropped = try Samples.psnr(naive, print)
        #expect(recovered > 22, "flattened PSNR \(recovered) dB")
        #expect(recovered > cropped + 6, "flattened \(recovered) dB against a plain crop's \(cropped) dB")
    }

    @Test func cornersOutsideOrOutOfOrderAreRefused() throws {
        let image = try Samples.picture(seed: 1, width: 200, height: 100)
        #expect(throws: VipsError.self) {
            try image.perspectiveCorrected(corners: [(0, 0), (250, 0), (200, 100), (0, 100)])
        }
        #expect(throws: VipsError.self) {
            try image.perspectiveCorrected(corners: [(0, 0), (0, 100), (200, 100), (200, 0)])
        }
    }

    static func scaled(_ image: VipsImage, width: Int, height: Int) throws -> VipsImage {
        try VipsOperationCall.run(
            "resize",
            [
                ("in", .image(image)), ("scale", .double(Double(width) / Double(image.width))),
                ("vscale", .double(Double(height) / Double(image.height))),
            ]
        ) { try $0.image() }
    }
}
