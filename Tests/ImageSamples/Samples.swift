import Foundation
import Vips

/// Test images made by libvips itself, so the tests need no files.
public enum Samples {
    /// A noisy sRGB image (photo-like for encoders: no flat areas). `smoothing` > 0 blurs the noise
    /// first, so that neighbouring pixels correlate as in photos.
    public static func noise(width: Int, height: Int, smoothing: Double = 0) throws -> VipsImage {
        let raw = try VipsOperationCall.run(
            "gaussnoise",
            [("width", .int(width)), ("height", .int(height)), ("mean", .double(128)), ("sigma", .double(40))]
        ) { try $0.image() }
        let gray = smoothing > 0 ? try raw.blurred(sigma: smoothing) : raw
        let bytes = try VipsOperationCall.run("cast", [("in", .image(gray)), ("format", .text("uchar"))]) {
            try $0.image()
        }
        return try VipsOperationCall.run("colourspace", [("in", .image(bytes)), ("space", .text("srgb"))]) {
            try $0.image()
        }
    }

    public static func jpeg(width: Int, height: Int, quality: Int = 85) throws -> [UInt8] {
        try noise(width: width, height: height).encoded(as: .jpeg, options: SaveOptions(quality: quality))
    }

    public static func png(width: Int, height: Int) throws -> [UInt8] {
        try noise(width: width, height: height).encoded(as: .png)
    }

    /// Smoothed noise as a quality-90 JPEG: what the ImageOps service tests feed it.
    public static func photo(width: Int, height: Int) throws -> [UInt8] {
        try noise(width: width, height: height, smoothing: 2).encoded(as: .jpeg, options: SaveOptions(quality: 90))
    }

    /// Black text on white, rendered by libvips (Pango) at 300 dpi.
    public static func text(_ text: String) throws -> [UInt8] {
        let mask = try VipsOperationCall.run("text", [("text", .text(text)), ("dpi", .int(300))]) { try $0.image() }
        let dark = try VipsOperationCall.run("invert", [("in", .image(mask))]) { try $0.image() }
        let page = try VipsOperationCall.run(
            "embed",
            [
                ("in", .image(dark)), ("x", .int(40)), ("y", .int(40)), ("width", .int(mask.width + 80)),
                ("height", .int(mask.height + 80)),
                ("extend", .text("white")),
            ]
        ) { try $0.image() }
        return try page.encoded(as: .png)
    }

    /// A white print photographed on a black table: the print fills the middle 60 % of an 800×600
    /// frame, its corners at (0.2, 0.2), (0.8, 0.2), (0.8, 0.8) and (0.2, 0.8).
    public static func printOnTable() throws -> [UInt8] {
        let black = try VipsOperationCall.run("black", [("width", .int(480)), ("height", .int(360))]) { try $0.image() }
        let white = try VipsOperationCall.run("invert", [("in", .image(black))]) { try $0.image() }
        let frame = try VipsOperationCall.run(
            "embed",
            [
                ("in", .image(white)), ("x", .int(160)), ("y", .int(120)), ("width", .int(800)), ("height", .int(600)),
                ("extend", .text("black")),
            ]
        ) { try $0.image() }
        return try frame.encoded(as: .jpeg, options: SaveOptions(quality: 90))
    }

    /// Four encoded files for deduplication: 0 and 3 are one picture (3 re-encoded smaller and
    /// worse), 1 and 2 are different pictures.
    public static func nearCopies() throws -> [[UInt8]] {
        let pictures = try (1...3).map { try picture(seed: $0) }
        return [
            try pictures[0].encoded(as: .jpeg, options: SaveOptions(quality: 90)), try pictures[1].encoded(as: .jpeg),
            try pictures[2].encoded(as: .png),
            try pictures[0].thumbnail(width: 300).encoded(as: .jpeg, options: SaveOptions(quality: 50)),
        ]
    }

    /// A picture with large-scale structure (coarse seeded noise enlarged), like a photo's composition.
    public static func picture(seed: Int, width: Int = 800, height: Int = 600) throws -> VipsImage {
        let coarse = try VipsOperationCall.run(
            "gaussnoise",
            [
                ("width", .int(16)), ("height", .int(12)), ("mean", .double(128)), ("sigma", .double(50)),
                ("seed", .int(seed)),
            ]
        ) { try $0.image() }
        let large = try VipsOperationCall.run(
            "resize", [("in", .image(coarse)), ("scale", .double(Double(width) / 16)), ("kernel", .text("linear"))]
        ) { try $0.image() }
        let bytes = try VipsOperationCall.run("cast", [("in", .image(large)), ("format", .text("uchar"))]) {
            try $0.image()
        }
        return try VipsOperationCall.run("colourspace", [("in", .image(bytes)), ("space", .text("srgb"))]) {
            try $0.image()
        }
    }

    /// `jpeg` with an EXIF APP1 segment carrying GPS coordinates (52°31'N 13°24'E), as a phone
    /// camera writes it: IFD0 points at a GPS IFD holding latitude and longitude with their refs.
    public static func withGPS(_ jpeg: [UInt8]) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: Int) -> [UInt8] { u16(v & 0xFFFF) + u16(v >> 16) }
        func entry(_ tag: Int, _ type: Int, _ count: Int, _ value: [UInt8]) -> [UInt8] {
            u16(tag) + u16(type) + u32(count) + value + Array(repeating: 0, count: 4 - value.count)
        }
        let ascii = 2
        let long = 4
        let rational = 5
        // Little-endian TIFF: header (8), IFD0 at 8 with one entry (18), GPS IFD at 26 with four
        // entries (54), then the two rational triples at 80 and 104.
        var tiff: [UInt8] = Array("II".utf8) + u16(42) + u32(8)
        tiff += u16(1) + entry(0x8825, long, 1, u32(26)) + u32(0)
        tiff += u16(4)
        tiff += entry(0x0001, ascii, 2, Array("N\0".utf8)) + entry(0x0002, rational, 3, u32(80))
        tiff += entry(0x0003, ascii, 2, Array("E\0".utf8)) + entry(0x0004, rational, 3, u32(104)) + u32(0)
        for (degrees, minutes) in [(52, 31), (13, 24)] {
            tiff += u32(degrees) + u32(1) + u32(minutes) + u32(1) + u32(0) + u32(1)
        }
        let payload = Array("Exif\0\0".utf8) + tiff
        let length = payload.count + 2
        let segment: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        return Array(jpeg.prefix(2)) + segment + Array(jpeg.dropFirst(2))
    }

    /// PSNR in dB of two images of the same size (infinity when identical).
    public static func psnr(_ a: VipsImage, _ b: VipsImage) throws -> Double {
        let difference = try VipsOperationCall.run("subtract", [("left", .image(a)), ("right", .image(b))]) {
            try $0.image()
        }
        let squared = try VipsOperationCall.run(
            "multiply", [("left", .image(difference)), ("right", .image(difference))]
        ) { try $0.image() }
        let mse = try VipsOperationCall.run("avg", [("in", .image(squared))]) { $0.double("out") }
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    /// A PNG whose header claims width × height but which carries almost no data: a decompression
    /// bomb as far as a header-trusting decoder is concerned.
    public static func pngBomb(width: UInt32, height: UInt32) -> [UInt8] {
        var ihdr: [UInt8] = []
        for value in [width, height] { ihdr += withUnsafeBytes(of: value.bigEndian, Array.init) }
        ihdr += [8, 2, 0, 0, 0]  // 8-bit RGB, deflate, no filter, no interlace
        let idat: [UInt8] = [0x78, 0x9C, 0x63, 0x60, 0x18, 0x05, 0x00, 0x00, 0x00, 0x00]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", idat)
            + chunk("IEND", [])
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return withUnsafeBytes(of: UInt32(data.count).bigEndian, Array.init) + typeBytes + data
            + withUnsafeBytes(of: crc32(typeBytes + data).bigEndian, Array.init)
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
