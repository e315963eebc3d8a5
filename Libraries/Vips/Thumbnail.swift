/// How `thumbnail` fits the image into the box.
public enum ThumbnailSize: String, Sendable {
    /// Fit inside the box, never enlarging.
    case down
    /// Fit inside the box, enlarging or shrinking.
    case both
    /// Only enlarge.
    case up
    /// Exactly the box, ignoring the aspect ratio.
    case force
}

/// Cropping to fill the box.
public enum ThumbnailCrop: String, Sendable {
    case none
    case centre
    /// Keep the most interesting region (libvips' attention strategy).
    case attention
}

extension VipsImage {
    /// Resizes encoded bytes to fit a box in one pass, using shrink-on-load where the format allows
    /// it (JPEG decodes at 1/2, 1/4, 1/8 scale directly): the fastest path for photos. Limits are
    /// checked from the header first. Applies the EXIF orientation.
    public static func thumbnail(
        _ bytes: [UInt8], width: Int, height: Int? = nil, size: ThumbnailSize = .down, crop: ThumbnailCrop = .none,
        limits: ImageLimits = ImageLimits()
    ) throws -> VipsImage {
        guard width > 0, width <= 65_535, (height ?? 1) > 0, (height ?? 1) <= 65_535 else {
            throw VipsError(.invalidArgument, "thumbnail size must be 1 to 65535 pixels")
        }
        _ = try VipsImage.load(bytes, limits: limits)  // header only: limits, format, blocked loaders
        return try self.thumbnailOfChecked(bytes, width: width, height: height, size: size, crop: crop)
    }

    /// `thumbnail` for bytes whose header already passed `load`'s checks.
    static func thumbnailOfChecked(
        _ bytes: [UInt8], width: Int, height: Int?, size: ThumbnailSize, crop: ThumbnailCrop
    ) throws -> VipsImage {
        var arguments: [(String, VipsArgument)] = [
            ("buffer", .blob(bytes)), ("width", .int(width)), ("size", .text(size.rawValue)),
            ("crop", .text(crop.rawValue)),
            ("option_string", .text("fail_on=error")),
        ]
        if let height { arguments.append(("height", .int(height))) }
        return try VipsOperationCall.run("thumbnail_buffer", arguments) { try $0.image() }
    }

    /// Resizes a decoded image to fit a box (no shrink-on-load: prefer `thumbnail(_:width:…)` on bytes).
    public func thumbnail(width: Int, height: Int? = nil, size: ThumbnailSize = .down, crop: ThumbnailCrop = .none)
        throws -> VipsImage
    {
        var arguments: [(String, VipsArgument)] = [
            ("in", .image(self)), ("width", .int(width)), ("size", .text(size.rawValue)),
            ("crop", .text(crop.rawValue)),
        ]
        if let height { arguments.append(("height", .int(height))) }
        return try VipsOperationCall.run("thumbnail_image", arguments) { try $0.image() }
    }
}
