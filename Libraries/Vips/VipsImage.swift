import CVips

/// A libvips image. Its reference is released when the Swift object goes away, so memory is freed
/// deterministically at the end of the scope that last uses it.
///
/// libvips images are immutable and thread-safe; the class is `@unchecked Sendable` for that reason.
public final class VipsImage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<CVips.VipsImage>

    /// Takes ownership of one reference.
    init(owning pointer: UnsafeMutablePointer<CVips.VipsImage>) {
        self.pointer = pointer
    }

    deinit { isw_object_unref(self.pointer) }

    public var width: Int { Int(vips_image_get_width(self.pointer)) }
    public var height: Int { Int(vips_image_get_height(self.pointer)) }
    public var bands: Int { Int(vips_image_get_bands(self.pointer)) }
    public var hasAlpha: Bool { vips_image_hasalpha(self.pointer) != 0 }
    /// The EXIF orientation (1–8); 1 when absent.
    public var orientation: Int { Int(isw_get_int_field(self.pointer, "orientation", 1)) }
    /// Frames of an animation or pages of a document; 1 for a still image.
    public var pageCount: Int { max(1, Int(isw_get_int_field(self.pointer, "n-pages", 1))) }
    /// The height of one frame (libvips stacks the frames of an animation vertically).
    public var frameHeight: Int { self.height / self.pageCount }
    /// The colour space, as libvips names it ("srgb", "b-w", "cmyk", …).
    public var colorSpace: String { isw_interpretation_name(self.pointer).map { String(cString: $0) } ?? "unknown" }
    /// True when the image carries GPS coordinates in its EXIF data.
    public var hasGPS: Bool {
        isw_has_field(self.pointer, "exif-ifd3-GPSLatitude") != 0
            || isw_has_field(self.pointer, "exif-ifd3-GPSLongitude") != 0
    }
    /// The loader that read this image ("jpegload_buffer"), when it came from bytes.
    public var loader: String? { isw_get_string_field(self.pointer, "vips-loader").map { String(cString: $0) } }
}

extension VipsImage {
    /// A copy of the image with an integer metadata field set (e.g. "page-height" to make a strip
    /// of frames an animation). The copy is private, so setting the field is safe.
    public func setting(_ field: String, to value: Int) throws -> VipsImage {
        let copy = try VipsOperationCall.run("copy", [("in", .image(self))]) { try $0.image() }
        vips_image_set_int(copy.pointer, field, Int32(clamping: value))
        return copy
    }
}
