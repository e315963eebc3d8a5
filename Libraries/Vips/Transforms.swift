import CVips

/// Geometry and tone operations on decoded images. Each returns a new lazy image; pixels are computed
/// when the result is encoded.
extension VipsImage {
    /// Applies the EXIF orientation and removes the tag.
    public func autoOriented() throws -> VipsImage { try self.unary("autorot") }

    /// Rotates clockwise by a multiple of 90 degrees.
    public func rotated(degrees: Int) throws -> VipsImage {
        let angle: String
        switch ((degrees % 360) + 360) % 360 {
        case 0: return self
        case 90: angle = "d90"
        case 180: angle = "d180"
        case 270: angle = "d270"
        default: throw VipsError(.invalidArgument, "rotation must be a multiple of 90 degrees")
        }
        return try VipsOperationCall.run("rot", [("in", .image(self)), ("angle", .text(angle))]) { try $0.image() }
    }

    /// Mirrors left-right (`horizontal`) or top-bottom.
    public func flipped(horizontal: Bool) throws -> VipsImage {
        try VipsOperationCall.run(
            "flip", [("in", .image(self)), ("direction", .text(horizontal ? "horizontal" : "vertical"))]
        ) { try $0.image() }
    }

    public func cropped(left: Int, top: Int, width: Int, height: Int) throws -> VipsImage {
        guard left >= 0, top >= 0, width > 0, height > 0, left + width <= self.width, top + height <= self.height else {
            throw VipsError(
                .invalidArgument,
                "crop \(width)×\(height)+\(left)+\(top) is outside the \(self.width)×\(self.height) image")
        }
        return try VipsOperationCall.run(
            "extract_area",
            [
                ("input", .image(self)), ("left", .int(left)), ("top", .int(top)), ("width", .int(width)),
                ("height", .int(height)),
            ]
        ) { try $0.image() }
    }

    public func blurred(sigma: Double) throws -> VipsImage {
        guard sigma > 0, sigma <= 100 else { throw VipsError(.invalidArgument, "blur sigma must be in (0, 100]") }
        return try VipsOperationCall.run("gaussblur", [("in", .image(self)), ("sigma", .double(sigma))]) {
            try $0.image()
        }
    }

    public func sharpened(sigma: Double = 1) throws -> VipsImage {
        guard sigma > 0, sigma <= 10 else { throw VipsError(.invalidArgument, "sharpen sigma must be in (0, 10]") }
        return try VipsOperationCall.run("sharpen", [("in", .image(self)), ("sigma", .double(sigma))]) {
            try $0.image()
        }
    }

    public func grayscale() throws -> VipsImage {
        try VipsOperationCall.run("colourspace", [("in", .image(self)), ("space", .text("b-w"))]) { try $0.image() }
    }

    /// Asks libvips to stop computing this image (a timeout): the encode in progress fails.
    public func kill() { vips_image_set_kill(self.pointer, 1) }

    private func unary(_ operation: String) throws -> VipsImage {
        try VipsOperationCall.run(operation, [("in", .image(self))]) { try $0.image() }
    }
}
