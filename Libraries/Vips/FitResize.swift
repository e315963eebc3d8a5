import CVips

extension VipsImage {
    /// Resizes encoded bytes to fit inside a box, keeping the aspect ratio (`enlarge: false` never
    /// upsizes). An upright JPEG is decoded at the smallest DCT scale that still leaves at least the
    /// target size (`decodeJPEG`) and finished with one Lanczos3 `resize`: measured 32–35 ms per
    /// 2.7 MP photo at libvips' 1/2 shrink against 47 ms through `thumbnail_buffer`, which parses the
    /// input twice, and less again at 3/8 (docs/performance.md). Other inputs go through `thumbnail`.
    public static func fit(
        _ bytes: [UInt8], width: Int, height: Int?, enlarge: Bool, limits: ImageLimits = ImageLimits()
    ) throws -> VipsImage {
        guard width > 0, width <= 65_535, (height ?? 1) > 0, (height ?? 1) <= 65_535 else {
            throw VipsError(.invalidArgument, "resize size must be 1 to 65535 pixels")
        }
        let header = try VipsImage.load(bytes, limits: limits)
        guard header.loader == "jpegload_buffer", header.orientation == 1 else {
            return try thumbnailOfChecked(
                bytes, width: width, height: height, size: enlarge ? .both : .down, crop: .none)
        }
        var scale = Double(width) / Double(header.width)
        if let height { scale = min(scale, Double(height) / Double(header.height)) }
        if !enlarge { scale = min(scale, 1) }
        let targetWidth = max(1, Int((Double(header.width) * scale).rounded()))
        let targetHeight = max(1, Int((Double(header.height) * scale).rounded()))
        let loaded = try self.decodeJPEG(bytes, header: header, atLeast: (targetWidth, targetHeight))
        if loaded.width == targetWidth, loaded.height == targetHeight { return loaded }
        return try VipsOperationCall.run(
            "resize",
            [
                ("in", .image(loaded)),
                ("scale", .double(Double(targetWidth) / Double(loaded.width))),
                ("vscale", .double(Double(targetHeight) / Double(loaded.height))),
                ("kernel", .text("lanczos3")),
            ]
        ) { try $0.image() }
    }
}

extension VipsImage {
    /// Decodes an upright JPEG at the smallest scale of eighths (libjpeg-turbo's DCT scaling) that
    /// is at least `size`; at full scale, or when libjpeg-turbo refuses the file (CMYK, a warning
    /// such as a truncated scan), through libvips' own loader at the largest of its shrink factors
    /// 8, 4, 2 that fits, so that loader's `fail_on=error` judges damaged files exactly as before.
    static func decodeJPEG(_ bytes: [UInt8], header: VipsImage, atLeast size: (width: Int, height: Int)) throws
        -> VipsImage
    {
        // libjpeg-turbo's scaled size: the dimension times eighths/8, rounded up.
        let eighths =
            (1...8).first { (eighths: Int) -> Bool in
                (header.width * eighths + 7) / 8 >= size.width && (header.height * eighths + 7) / 8 >= size.height
            } ?? 8
        if eighths < 8 {
            var message = [CChar](repeating: 0, count: 256)
            let decoded = bytes.withUnsafeBytes {
                isw_jpeg_decode_scaled(
                    $0.baseAddress, $0.count, Int32(eighths), header.pointer, &message, message.count)
            }
            if let decoded { return VipsImage(owning: decoded) }
        }
        let shrink = [8, 4, 2].first { header.width / $0 >= size.width && header.height / $0 >= size.height } ?? 1
        return try VipsOperationCall.run(
            "jpegload_buffer",
            [
                ("buffer", .blob(bytes)), ("shrink", .int(shrink)), ("access", .text("sequential")),
                ("fail_on", .text("error")),
            ]
        ) { try $0.image() }
    }
}
