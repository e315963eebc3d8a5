import CVips

/// Where a watermark sits on the image: a compass point or the centre.
public enum WatermarkPlacement: String, Sendable, CaseIterable {
    case northwest, north, northeast, west, centre, east, southwest, south, southeast

    /// The overlay's top-left corner for an overlay of `size` on a base of `base`, `margin` pixels
    /// in from the edges it touches.
    func origin(overlay: (width: Int, height: Int), base: (width: Int, height: Int), margin: Int) -> (x: Int, y: Int) {
        let left = margin
        let right = base.width - overlay.width - margin
        let middleX = (base.width - overlay.width) / 2
        let top = margin
        let bottom = base.height - overlay.height - margin
        let middleY = (base.height - overlay.height) / 2
        switch self {
        case .northwest: return (left, top)
        case .north: return (middleX, top)
        case .northeast: return (right, top)
        case .west: return (left, middleY)
        case .centre: return (middleX, middleY)
        case .east: return (right, middleY)
        case .southwest: return (left, bottom)
        case .south: return (middleX, bottom)
        case .southeast: return (right, bottom)
        }
    }
}

extension VipsImage {
    /// The longest text a watermark draws.
    public static let maxWatermarkTextLength = 200

    /// Draws `text` over the image in a solid colour, `opacity` 0…1. The font size defaults to a
    /// twentieth of the image's width; the text is plain (Pango markup is escaped, not interpreted).
    public func watermarked(
        text: String, fontSize: Int? = nil, colour: (red: Int, green: Int, blue: Int) = (255, 255, 255),
        opacity: Double = 0.5, placement: WatermarkPlacement = .southeast
    ) throws -> VipsImage {
        guard !text.isEmpty, text.count <= Self.maxWatermarkTextLength else {
            throw VipsError(.invalidArgument, "watermark text must be 1 to \(Self.maxWatermarkTextLength) characters")
        }
        guard [colour.red, colour.green, colour.blue].allSatisfy({ (0...255).contains($0) }) else {
            throw VipsError(.invalidArgument, "watermark colour components must be 0 to 255")
        }
        let size = fontSize ?? max(8, self.width / 20)
        guard (4...1000).contains(size) else {
            throw VipsError(.invalidArgument, "watermark font size must be 4 to 1000")
        }
        // `text` renders a one-band mask: 255 where the glyphs are, 0 elsewhere.
        let mask = try VipsOperationCall.run(
            "text",
            [
                ("text", .text(Self.escapingMarkup(text))), ("font", .text("sans \(size)")), ("dpi", .int(72)),
            ]
        ) { try $0.image() }
        // One band in, three constants out: a solid colour the size of the mask.
        let solid = try VipsOperationCall.run(
            "linear",
            [
                ("in", .image(mask)), ("a", .text("0 0 0")),
                ("b", .text("\(colour.red) \(colour.green) \(colour.blue)")), ("uchar", .bool(true)),
            ]
        ) { try $0.image() }
        let alpha = try mask.scaled(by: try Self.checked(opacity))
        let overlay = try VipsOperationCall.run("bandjoin", [("in", .images([solid, alpha]))]) { try $0.image() }
            .copy(interpretation: "srgb")
        return try self.composited(overlay, placement: placement, margin: size / 2)
    }

    /// Draws another image over this one, `scale` its width relative to this image's width
    /// (0 < scale ≤ 1) at `opacity` 0…1. The overlay's own transparency is kept.
    public func watermarked(
        image overlayBytes: [UInt8], scale: Double = 0.25, opacity: Double = 0.5,
        placement: WatermarkPlacement = .southeast, limits: ImageLimits = ImageLimits()
    ) throws -> VipsImage {
        guard scale > 0, scale <= 1 else {
            throw VipsError(.invalidArgument, "watermark scale must be above 0 and at most 1")
        }
        let width = max(1, Int((Double(self.width) * scale).rounded()))
        let resized = try VipsImage.thumbnail(
            overlayBytes, width: width, height: self.height, size: .both, crop: .none, limits: limits)
        let srgb = try VipsOperationCall.run("colourspace", [("in", .image(resized)), ("space", .text("srgb"))]) {
            try $0.image()
        }
        let withAlpha =
            srgb.hasAlpha
            ? srgb
            : try VipsOperationCall.run("bandjoin_const", [("in", .image(srgb)), ("c", .text("255"))]) {
                try $0.image()
            }
        // Scale only the alpha band.
        let factors = Array(repeating: "1", count: withAlpha.bands - 1) + [String(try Self.checked(opacity))]
        let overlay = try VipsOperationCall.run(
            "linear",
            [
                ("in", .image(withAlpha)), ("a", .text(factors.joined(separator: " "))), ("b", .text("0")),
                ("uchar", .bool(true)),
            ]
        ) { try $0.image() }
        return try self.composited(overlay, placement: placement, margin: max(4, self.width / 50))
    }

    /// `overlay` (sRGB with alpha) blended over this image. The result keeps this image's bands:
    /// an opaque photo stays opaque, so a JPEG or PNG does not grow an alpha channel.
    private func composited(_ overlay: VipsImage, placement: WatermarkPlacement, margin: Int) throws -> VipsImage {
        let origin = placement.origin(
            overlay: (overlay.width, overlay.height), base: (self.width, self.height), margin: margin)
        let blended = try VipsOperationCall.run(
            "composite2",
            [
                ("base", .image(self)), ("overlay", .image(overlay)), ("mode", .text("over")),
                ("x", .int(origin.x)), ("y", .int(origin.y)),
            ]
        ) { try $0.image() }
        let bands = self.hasAlpha ? 4 : 3
        let colour = try VipsOperationCall.run(
            "extract_band", [("in", .image(blended)), ("band", .int(0)), ("n", .int(bands))]
        ) { try $0.image() }
        return try VipsOperationCall.run("cast", [("in", .image(colour)), ("format", .text("uchar"))]) {
            try $0.image()
        }
    }

    private func scaled(by factor: Double) throws -> VipsImage {
        try VipsOperationCall.run(
            "linear", [("in", .image(self)), ("a", .double(factor)), ("b", .double(0)), ("uchar", .bool(true))]
        ) {
            try $0.image()
        }
    }

    private func copy(interpretation: String) throws -> VipsImage {
        try VipsOperationCall.run("copy", [("in", .image(self)), ("interpretation", .text(interpretation))]) {
            try $0.image()
        }
    }

    private static func checked(_ opacity: Double) throws -> Double {
        guard opacity.isFinite, (0...1).contains(opacity) else {
            throw VipsError(.invalidArgument, "watermark opacity must be 0 to 1")
        }
        return opacity
    }

    /// Pango reads `text` as markup; a watermark is plain text.
    static func escapingMarkup(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
