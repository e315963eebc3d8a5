import ImageSwissProtos
import Vips

/// Reads what a file is without decoding its pixels.
enum Inspector {
    static func info(of bytes: [UInt8], limits: ImageLimits) throws -> ImageOpsImageInfo {
        let image = try VipsImage.load(bytes, limits: limits)
        let format = image.loader.flatMap(Pipeline.format(ofLoader:))?.rawValue ?? image.loader ?? "unknown"
        return self.info(of: image, format: format)
    }

    static func info(of image: VipsImage, format: String) -> ImageOpsImageInfo {
        var info = ImageOpsImageInfo()
        info.width = UInt32(image.width)
        info.height = UInt32(image.frameHeight)
        info.format = format
        info.orientation = UInt32(image.orientation)
        info.colorSpace = image.colorSpace
        info.frameCount = UInt32(image.pageCount)
        info.hasGps_p = image.hasGPS
        return info
    }
}
