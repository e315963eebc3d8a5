/// What an untrusted image may be, checked from its header before any pixel is decoded.
public struct ImageLimits: Sendable {
    /// IMAGEOPS_MAX_MEGAPIXELS (default 50): width × height of the input.
    public var maxPixels: Int = 50_000_000
    /// IMAGEOPS_MAX_INPUT_BYTES (default 50 MB): size of the encoded input.
    public var maxInputBytes: Int = 50 * 1024 * 1024
    /// IMAGEOPS_MAX_FRAMES (default 1000): frames of an animation.
    public var maxFrames: Int = 1000

    public init() {}
}
