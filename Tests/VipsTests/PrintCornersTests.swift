import ImageSamples
import Testing
import Vips

/// The four-corner suggestion: a tilted print on a noisy darker background is found to within a
/// few pixels of its corners; a picture without a print in it gets no suggestion.
@Suite struct PrintCornersTests {
    /// A quadrilateral (clockwise from the top left) of brightness 210 on a background of 50 ± 12.
    static func scene(_ quad: [(Double, Double)], width: Int = 256, height: Int = 192) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height)
        var seed: UInt64 = 42
        for y in 0..<height {
            for x in 0..<width {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let noise = Int(seed >> 59) - 16
                var inside = true
                for index in 0..<4 {
                    let (a, b) = (quad[index], quad[(index + 1) % 4])
                    let cross = (b.0 - a.0) * (Double(y) - a.1) - (b.1 - a.1) * (Double(x) - a.0)
                    if cross < 0 { inside = false }
                }
                pixels[y * width + x] = UInt8(clamping: (inside ? 210 : 50) + noise * 3 / 4)
            }
        }
        return pixels
    }

    @Test func aTiltedPrintIsFoundNearItsCorners() throws {
        let quad = [(40.0, 30.0), (215.0, 18.0), (228.0, 170.0), (30.0, 160.0)]
        let found = try #require(PrintCorners.find(grey: Self.scene(quad), width: 256, height: 192))
        for (point, expected) in zip(found, quad) {
            #expect(abs(point.x * 255 - expected.0) <= 4 && abs(point.y * 191 - expected.1) <= 4, "\(found)")
        }
    }

    @Test func noPrintNoSuggestion() throws {
        let flat = Self.scene([(0, 0), (0, 0), (0, 0), (0, 0)])
        #expect(PrintCorners.find(grey: flat, width: 256, height: 192) == nil)
        // A small object is not a print.
        let small = Self.scene([(120, 90), (136, 90), (136, 104), (120, 104)])
        #expect(PrintCorners.find(grey: small, width: 256, height: 192) == nil)
    }

    @Test func encodedBytesAreReadUpright() throws {
        let corners = try #require(try VipsImage.printCorners(try Samples.printOnTable()))
        let expected = [(0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8)]
        for (point, want) in zip(corners, expected) {
            #expect(abs(point.x - want.0) <= 0.02 && abs(point.y - want.1) <= 0.02, "\(corners)")
        }
    }
}
