import CVips

/// Output formats, as far as the installed libvips writes them.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, webp, avif, heic, gif, tiff, jxl

    var saver: String {
        switch self {
        case .jpeg: "jpegsave_buffer"
        case .png: "pngsave_buffer"
        case .webp: "webpsave_buffer"
        case .avif, .heic: "heifsave_buffer"
        case .gif: "gifsave_buffer"
        case .tiff: "tiffsave_buffer"
        case .jxl: "jxlsave_buffer"
        }
    }

    /// The media type of the encoded output.
    public var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .avif: "image/avif"
        case .heic: "image/heic"
        case .gif: "image/gif"
        case .tiff: "image/tiff"
        case .jxl: "image/jxl"
        }
    }
}

/// Encoder settings. Metadata (EXIF with GPS, XMP, IPTC) is stripped unless `keepMetadata`.
public struct SaveOptions: Sendable {
    /// 1–100 for lossy formats; nil for the format's default.
    public var quality: Int?
    public var lossless = false
    /// Encoder effort, where the format has one (WebP 0–6, AVIF/HEIC 0–9, JPEG XL 1–9).
    public var effort: Int?
    /// Progressive JPEG, interlaced PNG and GIF.
    public var progressive = false
    public var keepMetadata = false

    public init(
        quality: Int? = nil, lossless: Bool = false, effort: Int? = nil, progressive: Bool = false,
        keepMetadata: Bool = false
    ) {
        self.quality = quality
        self.lossless = lossless
        self.effort = effort
        self.progressive = progressive
        self.keepMetadata = keepMetadata
    }
}

extension VipsImage {
    /// A copy without EXIF, XMP and IPTC: `strip` alone is not enough for every saver.
    func withoutPrivateMetadata() throws -> VipsImage {
        let copy = try VipsOperationCall.run("copy", [("in", .image(self))]) { try $0.image() }
        isw_remove_private_metadata(copy.pointer)
        return copy
    }

    /// Encodes the image. This is where pixels are actually computed, so a truncated or corrupt
    /// input fails here.
    public func encoded(as format: ImageFormat, options: SaveOptions = SaveOptions()) throws -> [UInt8] {
        if let quality = options.quality, !(1...100).contains(quality) {
            throw VipsError(.invalidArgument, "quality must be 1 to 100")
        }
        if format == .jpeg, !options.keepMetadata,
            let jpeg = try self.encodedDirectly(quality: options.quality, progressive: options.progressive)
        {
            return jpeg
        }
        var arguments: [(String, VipsArgument)] = [
            ("in", .image(options.keepMetadata ? self : try self.withoutPrivateMetadata())),
            ("strip", .bool(!options.keepMetadata)),
        ]
        if let quality = options.quality, format != .png, format != .gif { arguments.append(("Q", .int(quality))) }
        if options.lossless, [.webp, .avif, .heic, .jxl].contains(format) {
            arguments.append(("lossless", .bool(true)))
        }
        if let effort = options.effort {
            switch format {
            case .webp: arguments.append(("effort", .int(min(max(effort, 0), 6))))
            case .avif, .heic, .jxl: arguments.append(("effort", .int(min(max(effort, 0), 9))))
            case .png: arguments.append(("compression", .int(min(max(effort, 0), 9))))
            default: break
            }
        }
        if options.progressive {
            switch format {
            case .jpeg, .png, .gif: arguments.append(("interlace", .bool(true)))
            default: break
            }
        }
        if format == .avif { arguments.append(("compression", .text("av1"))) }
        if format == .heic { arguments.append(("compression", .text("hevc"))) }
        return try VipsOperationCall.run(format.saver, arguments) { try $0.blob() }
    }
}

extension VipsImage {
    /// Results up to this many pixels are computed into one buffer by `encodedDirectly`; larger ones
    /// stream through libvips' saver strip by strip (8 MP of RGB is 24 MB per call in flight).
    static let directJPEGMaxPixels = 8_000_000

    /// A JPEG without metadata, computed on the calling thread and encoded by libjpeg-turbo with
    /// libvips' defaults (quality 75, 4:2:0 below 90) — no hand-off between libvips' saver threads
    /// (docs/performance.md). nil when the image is not 8-bit sRGB or gray, or is large: then
    /// libvips' `jpegsave` does it. `quality` was checked by `encoded`.
    func encodedDirectly(quality: Int?, progressive: Bool) throws -> [UInt8]? {
        guard isw_jpeg_encodable(self.pointer) != 0, self.width * self.height <= Self.directJPEGMaxPixels else {
            return nil
        }
        let quality = quality ?? 75
        var output: UnsafeMutablePointer<UInt8>?
        var length: UInt = 0
        var message = [CChar](repeating: 0, count: 512)
        guard
            isw_jpeg_encode(
                self.pointer, Int32(quality), progressive ? 1 : 0, &output, &length, &message, message.count) == 0,
            let output
        else {
            throw VipsError(.processing, String(cString: message))
        }
        defer { isw_jpeg_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: Int(length)))
    }
}
