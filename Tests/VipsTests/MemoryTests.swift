import Foundation
import ImageSamples
import Testing
import Vips

/// Every image and buffer is released when its Swift owner goes away: resident memory stays flat
/// over a long loop of decode → resize → encode.
@Suite("memory")
struct MemoryTests {
    static func residentBytes() -> Int {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let pages = statm.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    @Test func resizeLoopDoesNotGrow() throws {
        let jpeg = try Samples.jpeg(width: 800, height: 600)
        func round() throws {
            for _ in 0..<100 {
                _ = try VipsImage.thumbnail(jpeg, width: 128).encoded(as: .webp, options: SaveOptions(quality: 70))
                _ = try VipsImage.load(jpeg).grayscale().encoded(as: .jpeg)
            }
        }
        try round()  // warm up: allocator arenas, libvips' per-thread buffers
        let before = Self.residentBytes()
        for _ in 0..<3 { try round() }  // 300 more iterations, 3 images each
        let growth = Self.residentBytes() - before
        // Leaking one decoded 800×600 image per iteration would be over 400 MB here.
        #expect(growth < 40 * 1024 * 1024, "resident memory grew by \(growth / 1024) KiB over 300 iterations")
    }
}
