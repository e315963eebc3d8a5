import CVips

extension VipsImage {
    /// Reads an untrusted encoded image. Only the header is parsed here (pixels are decoded lazily,
    /// in sequential access), so the limits are enforced before a decompression bomb can expand.
    /// Blocked loaders (ImageMagick, MATLAB, …) and unknown formats are refused; truncated or
    /// corrupt pixel data fails when the pixels are first read (`fail_on=error`).
    public static func load(_ bytes: [UInt8], limits: ImageLimits = ImageLimits()) throws -> VipsImage {
        let loader = try loaderName(for: bytes, limits: limits)
        var arguments: [(String, VipsArgument)] = [
            ("buffer", .blob(bytes)), ("access", .text("sequential")), ("fail_on", .text("error")),
        ]
        if loader.hasPrefix("gifload") || loader.hasPrefix("webpload") || loader.hasPrefix("tiffload")
            || loader.hasPrefix("heifload")
        {
            arguments.append(("n", .int(-1)))  // every frame, so the frame limit sees them all
        }
        let image = try VipsOperationCall.run(loader, arguments) { try $0.image() }
        try image.check(limits)
        return image
    }

    /// The loader libvips would use for these bytes ("jpegload_buffer"), from their first bytes alone
    /// (nothing is decoded); nil for empty, oversized or unknown input.
    public static func loaderName(sniffing bytes: [UInt8], limits: ImageLimits = ImageLimits()) -> String? {
        try? self.loaderName(for: bytes, limits: limits)
    }

    /// The libvips loader for these bytes ("jpegload_buffer"), after the size and format checks.
    static func loaderName(for bytes: [UInt8], limits: ImageLimits) throws -> String {
        try VipsRuntime.initialize()
        guard !bytes.isEmpty else { throw VipsError(.unsupportedInput, "the file is empty") }
        guard bytes.count <= limits.maxInputBytes else {
            throw VipsError(.limitExceeded, "the file is \(bytes.count) bytes; the limit is \(limits.maxInputBytes)")
        }
        let found = bytes.withUnsafeBytes { vips_foreign_find_load_buffer($0.baseAddress, $0.count) }
        guard let found else {
            _ = VipsRuntime.takeError()
            throw VipsError(.unsupportedInput, "not an image format this service reads")
        }
        // libvips answers with the class name ("VipsForeignLoadNsgifBuffer"); operations are known
        // by nickname ("gifload_buffer"), which is what the checks here and `loader` use.
        let type = vips_type_find("VipsOperation", found)
        guard type != 0, let nickname = vips_nickname_find(type) else { return String(cString: found) }
        return String(cString: nickname)
    }

    func check(_ limits: ImageLimits) throws {
        let (frames, frameHeight) = (self.pageCount, self.frameHeight)
        guard self.width > 0, frameHeight > 0 else { throw VipsError(.unsupportedInput, "the image has no pixels") }
        guard frames <= limits.maxFrames else {
            throw VipsError(.limitExceeded, "the image has \(frames) frames; the limit is \(limits.maxFrames)")
        }
        let (pixels, overflow) = self.width.multipliedReportingOverflow(by: frameHeight)
        guard !overflow, pixels <= limits.maxPixels else {
            throw VipsError(
                .limitExceeded,
                "the image is \(self.width)×\(frameHeight) pixels; the limit is \(limits.maxPixels / 1_000_000) megapixels"
            )
        }
    }
}
