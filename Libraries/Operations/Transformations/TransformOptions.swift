/// The options of a transformation URL (`/t/{signature}/{options}/{file_id}[.{ext}]`), in the style
/// of imgproxy: path segments `name:argument:argument`. The edge checks them before anything is
/// called, Storage expands presets and picks the output format, Jobs turns the canonical form into
/// checklist steps. One parser, so the three agree on what a URL means.
///
/// | option | meaning |
/// |---|---|
/// | `rs:{fit\|fill\|force\|down}:{w}:{h}` | resize (0 for a side: free, fit and down only) |
/// | `w:{n}`, `h:{n}` | width, height of the resize (mode fit unless `rs` says) |
/// | `c:{w}:{h}[:{gravity}]` | crop the source first; gravity `ce no so ea we nowe noea sowe soea sm` |
/// | `g:{gravity}` | the crop's gravity (`sm`: the most interesting region) |
/// | `q:{1…100}` | quality of lossy formats |
/// | `f:{jpeg\|png\|webp\|avif\|auto}` | output format; `auto` picks by the `Accept` header |
/// | `pr:{name}[:{name}]` | the owner's named presets, applied first, in order |
public struct TransformOptions: Sendable, Equatable {
    public enum ResizeMode: String, Sendable, CaseIterable { case fit, fill, force, down }
    public enum Gravity: String, Sendable, CaseIterable {
        case ce, no, so, ea, we, nowe, noea, sowe, soea, sm
    }

    public var resizeMode: ResizeMode?
    public var width: Int?
    public var height: Int?
    public var cropWidth: Int?
    public var cropHeight: Int?
    public var gravity: Gravity?
    public var quality: Int?
    /// A concrete format or "auto".
    public var format: String?
    /// Preset names in the order given; empty once expanded.
    public var presets: [String] = []

    public init() {}

    /// The largest side a transformation may ask for unless configured (EDGE_TRANSFORM_MAX_SIDE).
    public static let defaultMaxSide = 2048

    /// The formats a derivative is written in: every browser reads them; `jpg` is `jpeg`.
    public static let formats = ["jpeg", "png", "webp", "avif"]
    /// The content types of those formats, for the `Accept` check and the default format.
    public static let contentTypes = [
        "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "avif": "image/avif",
    ]
}

/// A refused option, naming it: the edge answers it as 400 with the option as the field.
public struct TransformProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let option: String
    public let message: String
    public var description: String { "\(self.option): \(self.message)" }

    public init(_ option: String, _ message: String) {
        self.option = String(option.prefix(64))
        self.message = message
    }
}

extension TransformOptions {
    /// Parses `segments` (the path's option segments) and an optional file extension. Later options
    /// override earlier ones, as in imgproxy; sides are at most `maxSide` pixels.
    public static func parse(_ segments: [Substring], extension ext: Substring? = nil, maxSide: Int)
        throws(TransformProblem) -> TransformOptions
    {
        var options = TransformOptions()
        for segment in segments {
            let parts = segment.split(separator: ":", omittingEmptySubsequences: false)
            let arguments = Array(parts.dropFirst())
            func side(_ index: Int, allowZero: Bool) throws(TransformProblem) -> Int {
                guard index < arguments.count, let value = Int(arguments[index]), value >= 0, value <= maxSide,
                    allowZero || value > 0
                else {
                    throw TransformProblem(
                        String(segment), "sides are whole numbers of pixels, \(allowZero ? 0 : 1) to \(maxSide)")
                }
                return value
            }
            func arity(_ counts: ClosedRange<Int>) throws(TransformProblem) {
                guard counts.contains(arguments.count) else {
                    throw TransformProblem(
                        String(segment),
                        "takes \(counts.lowerBound == counts.upperBound ? "\(counts.lowerBound)" : "\(counts.lowerBound) to \(counts.upperBound)") arguments"
                    )
                }
            }
            switch parts[0] {
            case "rs", "resize":
                try arity(1...3)
                guard let mode = ResizeMode(rawValue: String(arguments[0])) else {
                    throw TransformProblem(String(segment), "the mode is fit, fill, force or down")
                }
                options.resizeMode = mode
                if arguments.count > 1 { options.width = try side(1, allowZero: true) }
                if arguments.count > 2 { options.height = try side(2, allowZero: true) }
            case "w", "width":
                try arity(1...1)
                options.width = try side(0, allowZero: true)
            case "h", "height":
                try arity(1...1)
                options.height = try side(0, allowZero: true)
            case "c", "crop":
                try arity(2...3)
                options.cropWidth = try side(0, allowZero: false)
                options.cropHeight = try side(1, allowZero: false)
                if arguments.count == 3 { options.gravity = try Self.gravity(arguments[2], segment) }
            case "g", "gravity":
                try arity(1...1)
                options.gravity = try Self.gravity(arguments[0], segment)
            case "q", "quality":
                try arity(1...1)
                guard let quality = Int(arguments[0]), (1...100).contains(quality) else {
                    throw TransformProblem(String(segment), "quality is 1 to 100")
                }
                options.quality = quality
            case "f", "format", "ext":
                try arity(1...1)
                options.format = try Self.format(arguments[0], segment)
            case "pr", "preset":
                try arity(1...8)
                for name in arguments {
                    guard Self.isPresetName(name) else {
                        throw TransformProblem(String(segment), "preset names are 1 to 40 of a-z, 0-9, - and _")
                    }
                    options.presets.append(String(name))
                }
            default:
                throw TransformProblem(
                    String(segment), "unknown option (rs, w, h, c, g, q, f, pr are known)")
            }
        }
        if let ext { options.format = try Self.format(ext, ext) }
        try options.checkShape()
        return options
    }

    /// Options a preset may hold: anything but other presets.
    public static func parsePreset(_ text: String, maxSide: Int) throws(TransformProblem) -> TransformOptions {
        let segments = text.split(separator: "/")
        guard !segments.isEmpty else { throw TransformProblem("options", "a preset needs at least one option") }
        let options = try Self.parse(segments, maxSide: maxSide)
        guard options.presets.isEmpty else { throw TransformProblem("options", "a preset cannot name presets") }
        return options
    }

    public static func isPresetName(_ name: some StringProtocol) -> Bool {
        (1...40).contains(name.utf8.count)
            && name.utf8.allSatisfy {
                (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F
            }
    }

    private static func gravity(_ text: Substring, _ segment: Substring) throws(TransformProblem) -> Gravity {
        guard let gravity = Gravity(rawValue: String(text)) else {
            throw TransformProblem(String(segment), "gravity is one of ce, no, so, ea, we, nowe, noea, sowe, soea, sm")
        }
        return gravity
    }

    private static func format(_ text: Substring, _ segment: Substring) throws(TransformProblem) -> String {
        let name = text == "jpg" ? "jpeg" : String(text)
        guard Self.formats.contains(name) || name == "auto" else {
            throw TransformProblem(String(segment), "the format is jpeg, png, webp, avif or auto")
        }
        return name
    }

    /// Combinations that mean nothing: fill and force need both sides; a resize needs one.
    private func checkShape() throws(TransformProblem) {
        let resizing = self.resizeMode != nil || self.width != nil || self.height != nil
        guard resizing else { return }
        let mode = self.resizeMode ?? .fit
        let width = self.width ?? 0
        let height = self.height ?? 0
        if mode == .fill || mode == .force {
            guard width > 0 && height > 0 else {
                throw TransformProblem("rs", "\(mode.rawValue) needs a width and a height")
            }
        }
        guard width > 0 || height > 0 || !self.presets.isEmpty else {
            throw TransformProblem("rs", "a resize needs a width or a height")
        }
    }

    /// The options with the owner's presets (by name) applied first, in order; a name the owner has
    /// no preset of is refused.
    public func expanded(with presets: [String: TransformOptions]) throws(TransformProblem) -> TransformOptions {
        var base = TransformOptions()
        for name in self.presets {
            guard let preset = presets[name] else { throw TransformProblem("pr:\(name)", "no preset of this name") }
            base = preset.applied(over: base)
        }
        let result = self.applied(over: base)
        try result.checkShape()
        return result
    }

    /// These options over `base` (a preset): what these name wins.
    public func applied(over base: TransformOptions) -> TransformOptions {
        var result = base
        if let value = self.resizeMode { result.resizeMode = value }
        if let value = self.width { result.width = value }
        if let value = self.height { result.height = value }
        if let value = self.cropWidth {
            result.cropWidth = value
            result.cropHeight = self.cropHeight
        }
        if let value = self.gravity { result.gravity = value }
        if let value = self.quality { result.quality = value }
        if let value = self.format { result.format = value }
        result.presets = []
        return result
    }

    /// The format `auto` (or no format) stands for: AVIF, then WebP when the `Accept` header names
    /// them, else JPEG; no format at all keeps the source's when it is one of ours.
    public func outputFormat(accept: String, sourceContentType: String) -> String {
        switch self.format {
        case .some("auto"):
            return Self.acceptedFormat(accept)
        case .some(let format):
            return format
        case .none:
            return Self.format(ofContentType: sourceContentType) ?? "jpeg"
        }
    }

    /// The format name ("jpeg") of one of the four content types; nil for any other.
    public static func format(ofContentType contentType: String) -> String? {
        Self.contentTypes.first { $0.value == contentType }?.key
    }

    /// What `auto` stands for under this `Accept` header.
    public static func acceptedFormat(_ accept: String) -> String {
        let accepted = accept.lowercased()
        if accepted.contains("image/avif") { return "avif" }
        if accepted.contains("image/webp") { return "webp" }
        return "jpeg"
    }

    /// The derivative's key: presets expanded, the format concrete, a fixed order, nothing repeated,
    /// so equal transformations share one derivative and one charge.
    public func canonical(format: String) -> String {
        var parts: [String] = []
        if let width = self.cropWidth, let height = self.cropHeight {
            parts.append("c:\(width):\(height):\((self.gravity ?? .ce).rawValue)")
        }
        if self.resizeMode != nil || self.width != nil || self.height != nil {
            parts.append("rs:\((self.resizeMode ?? .fit).rawValue):\(self.width ?? 0):\(self.height ?? 0)")
        }
        if let quality = self.quality { parts.append("q:\(quality)") }
        parts.append("f:\(format)")
        return parts.joined(separator: "/")
    }
}
