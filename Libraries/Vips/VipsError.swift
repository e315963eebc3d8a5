/// A libvips failure, or input refused before libvips saw it.
public struct VipsError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The bytes are not an image this service accepts (unknown, blocked or corrupt format).
        case unsupportedInput
        /// The image is larger than a limit (pixels, bytes, frames).
        case limitExceeded
        /// A parameter is out of range or unknown.
        case invalidArgument
        /// libvips failed while processing (often: truncated or corrupt pixel data).
        case processing
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { self.message }
}
