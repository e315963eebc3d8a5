import CTurboJPEG

/// JPEG decoding at a reduced DCT scale (1/2, 1/4, 1/8) straight into an RGB or grey buffer with
/// libjpeg-turbo, for the resize fast path: measured 26 ms decode + resize + encode per 2.7 MP photo
/// against 48 ms through libvips' own JPEG loader (docs/performance.md). The only file that touches
/// TurboJPEG's C API.
public enum ScaledJPEGDecoder {
    public struct Header: Sendable {
        public let width: Int
        public let height: Int
        /// 3 for colour (YCbCr/RGB), 1 for greyscale; CMYK and YCCK are not handled here.
        public let bands: Int?
    }

    public struct Decoded: Sendable {
        public let pixels: [UInt8]
        public let width: Int
        public let height: Int
        public let bands: Int
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func header(_ jpeg: [UInt8]) throws(Failure) -> Header {
        guard let handle = tjInitDecompress() else { throw Failure(description: "libjpeg-turbo could not start") }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(handle, jpeg, UInt(jpeg.count), &width, &height, &subsampling, &colorspace) == 0 else {
            throw Failure(description: String(cString: tjGetErrorStr2(handle)))
        }
        let bands: Int? = switch colorspace {
        case Int32(TJCS_GRAY.rawValue): 1
        case Int32(TJCS_YCbCr.rawValue), Int32(TJCS_RGB.rawValue): 3
        default: nil
        }
        return Header(width: Int(width), height: Int(height), bands: bands)
    }

    /// Decodes at 1/`shrink` scale (1, 2, 4 or 8). Any warning (truncated or corrupt data) is an
    /// error: a half-grey picture is never returned.
    public static func decode(_ jpeg: [UInt8], shrink: Int, bands: Int) throws(Failure) -> Decoded {
        guard [1, 2, 4, 8].contains(shrink), bands == 1 || bands == 3 else { throw Failure(description: "unsupported scale or bands") }
        guard let handle = tjInitDecompress() else { throw Failure(description: "libjpeg-turbo could not start") }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(handle, jpeg, UInt(jpeg.count), &width, &height, &subsampling, &colorspace) == 0 else {
            throw Failure(description: String(cString: tjGetErrorStr2(handle)))
        }
        // TJSCALED: ceil(dimension / shrink).
        let scaledWidth = (Int(width) + shrink - 1) / shrink, scaledHeight = (Int(height) + shrink - 1) / shrink
        var pixels = [UInt8](repeating: 0, count: scaledWidth * scaledHeight * bands)
        let format = bands == 1 ? TJPF_GRAY : TJPF_RGB
        let result = pixels.withUnsafeMutableBufferPointer { buffer in
            tjDecompress2(handle, jpeg, UInt(jpeg.count), buffer.baseAddress, Int32(scaledWidth), 0, Int32(scaledHeight),
                          Int32(format.rawValue), TJFLAG_STOPONWARNING)
        }
        guard result == 0 else { throw Failure(description: String(cString: tjGetErrorStr2(handle))) }
        return Decoded(pixels: pixels, width: scaledWidth, height: scaledHeight, bands: bands)
    }
}
