import ImageSamples
import Testing
import Vips

@Suite("perceptual hash and duplicate grouping")
struct PerceptualHashTests {
    static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }

    @Test func nearCopiesHashCloseAndDifferentPicturesFar() throws {
        let original = try Samples.picture(seed: 1)
        let hash = try VipsImage.differenceHash(original.encoded(as: .jpeg, options: SaveOptions(quality: 95)))
        let recompressed = try VipsImage.differenceHash(original.encoded(as: .jpeg, options: SaveOptions(quality: 40)))
        let resized = try VipsImage.differenceHash(original.thumbnail(width: 320).encoded(as: .png))
        let brighter = try VipsImage.differenceHash(original.adjusted(brightness: 0.1).encoded(as: .webp))
        #expect(Self.distance(hash, recompressed) <= 4)
        #expect(Self.distance(hash, resized) <= 6)
        #expect(Self.distance(hash, brighter) <= 10)  // within GroupDuplicates' default threshold
        for seed in 2...6 {
            let other = try VipsImage.differenceHash(Samples.picture(seed: seed).encoded(as: .jpeg))
            #expect(Self.distance(hash, other) > 16, "seed \(seed)")
        }
        // Deterministic.
        #expect(try VipsImage.differenceHash(original.encoded(as: .jpeg, options: SaveOptions(quality: 95))) == hash)
    }

    @Test func groupingIsTransitiveAndSkipsSingletons() {
        let a: UInt64 = 0b1111_0000
        let hashes: [UInt64] = [a, ~a, a ^ 0b1, a ^ 0b11, ~a ^ 0b100, 0xAAAA_AAAA_AAAA_AAAA]
        #expect(duplicateGroups(hashes, maxDistance: 1) == [[0, 2, 3], [1, 4]])
        #expect(duplicateGroups(hashes, maxDistance: 0) == [])
        #expect(duplicateGroups([], maxDistance: 10) == [])
    }
}
