import Foundation
import ImageSwissProtos
import Operations
import RPC
import Vips

/// Runs a Process request: decode (limits checked from the header), auto-orient, the steps, the
/// tier's output cap, then one encode. libvips is lazy, so the whole chain is computed in a single
/// pass over the pixels during the encode.
///
/// Steps run by stage, and in the caller's order within a stage (`PipelineStage`): geometry
/// (resize, crop, rotate…) first, then area filters (blur, sharpen, enhance), then point operations
/// (grayscale, adjust, gamma, sepia, tint), then watermarks. A checklist has no order of its own,
/// and this one does the expensive filters on the smaller image and lets a resize decode at
/// reduced scale; pixel parameters (blur sigma) therefore apply at the output's scale.
///
/// Steps (`operation` and its `parameters`):
/// - `resize` width [height] [mode: fit | fill | exact | down]; `thumbnail` is `resize` with mode down
/// - `crop` left top width height; `smartcrop` width height (keeps the most interesting region);
///   `perspective` four corners as fractions (`top_left_x` … `bottom_left_y`): a photographed print
///   cut out and flattened
/// - `rotate` degrees (multiple of 90); `flip` direction (horizontal | vertical); `autoorient`
/// - `grayscale`; `blur` sigma; `sharpen` [sigma]; `adjust` [brightness −1…1] [contrast 0…4]; `gamma` gamma;
///   `sepia`; `tint` red green blue (0–255); `enhance` (alias `restore`): denoise, colour balance,
///   local contrast and sharpen for old photos — classic processing, not a neural model
/// - `watermark` text [font_size] [color: RRGGBB] [opacity 0…1] [position: northwest…southeast | centre],
///   or image=true [scale 0…1 of the width] [opacity] [position]: draws the request's `overlay`
/// - `convert` [format: jpeg|png|webp|avif|heic|gif|tiff|jxl] [quality] [lossless] [effort]
///   [progressive] [keep_metadata]: the output encoding (default: the input's format, metadata stripped)
struct Pipeline {
    let limits: ImageLimits
    let maxSteps: Int

    func run(_ request: ImageOpsProcessRequest, killSwitch: KillSwitch) throws -> ImageOpsProcessResponse {
        guard request.steps.count <= self.maxSteps else {
            throw RPCError(
                .invalidArgument, "a pipeline has at most \(self.maxSteps) steps, not \(request.steps.count)")
        }
        let input = Array(request.image)
        var steps = PipelineStage.ordered(request.steps)[...]
        var image: VipsImage
        // A leading resize decodes at reduced scale (shrink-on-load): much less work for photos.
        if let first = steps.first, first.operation == "resize" || first.operation == "thumbnail" {
            let box = try ResizeBox(first)
            if box.crop == .none, box.size == .down || box.size == .both {
                image = try VipsImage.fit(
                    input, width: box.width, height: box.height, enlarge: box.size == .both, limits: self.limits)
            } else {
                image = try VipsImage.thumbnail(
                    input, width: box.width, height: box.height, size: box.size, crop: box.crop, limits: self.limits)
            }
            steps = steps.dropFirst()
        } else {
            image = try VipsImage.load(input, limits: self.limits).autoOriented()
        }
        let inputFormat = VipsImage.loaderName(sniffing: input, limits: self.limits).flatMap(Self.format(ofLoader:))
        var output = OutputSettings(format: inputFormat ?? .jpeg)
        for step in steps {
            image = try self.apply(step, to: image, overlay: request.overlay, output: &output)
        }
        if let box = Self.cappedBox(width: image.width, height: image.height, shortSide: Int(request.maxOutputEdge)) {
            image = try image.thumbnail(width: box.width, height: box.height, size: .down)
        }
        killSwitch.watch(image)
        let encoded = try image.encoded(as: output.format, options: output.options)
        var response = ImageOpsProcessResponse()
        response.image = Data(encoded)
        response.contentType = output.format.contentType
        response.info = Inspector.info(of: image, format: output.format.rawValue)
        // The encoder stripped the metadata unless asked to keep it.
        response.info.hasGps_p = image.hasGPS && output.options.keepMetadata
        return response
    }

    /// The tier's cap ("480p", "720p") bounds the short side, as video resolutions do: a 4:3 photo
    /// under a 480 cap comes out 640×480. Returns the box to fit into, nil when the image is within
    /// the cap (or there is none). The long edge's bound is one pixel over the exact scale, so the
    /// fit is decided by the short side and lands on the cap exactly.
    static func cappedBox(width: Int, height: Int, shortSide cap: Int) -> (width: Int, height: Int)? {
        guard cap > 0, min(width, height) > cap else { return nil }
        return width >= height ? (width * cap / height + 1, cap) : (cap, height * cap / width + 1)
    }

    private func apply(_ step: ImageOpsStep, to image: VipsImage, overlay: Data, output: inout OutputSettings) throws
        -> VipsImage
    {
        let p = Parameters(step)
        switch step.operation {
        case "resize", "thumbnail":
            let box = try ResizeBox(step)
            return try image.thumbnail(width: box.width, height: box.height, size: box.size, crop: box.crop)
        case "crop":
            return try image.cropped(
                left: try p.int("left"), top: try p.int("top"), width: try p.int("width"), height: try p.int("height"))
        case "smartcrop":
            let width = min(try p.int("width"), image.width)
            let height = min(try p.int("height"), image.height)
            return try VipsOperationCall.run(
                "smartcrop",
                [
                    ("input", .image(image)), ("width", .int(width)), ("height", .int(height)),
                    ("interesting", .text("attention")),
                ]
            ) { try $0.image() }
        case "perspective":
            // Corners as fractions of the picture as it is at this step, so earlier resizes do not move them.
            let corners = try ["top_left", "top_right", "bottom_right", "bottom_left"].map { corner in
                (
                    x: try p.double("\(corner)_x") * Double(image.width),
                    y: try p.double("\(corner)_y") * Double(image.height)
                )
            }
            return try image.perspectiveCorrected(corners: corners)
        case "rotate": return try image.rotated(degrees: try p.int("degrees"))
        case "flip": return try image.flipped(horizontal: (p.string("direction") ?? "horizontal") == "horizontal")
        case "autoorient": return try image.autoOriented()
        case "grayscale": return try image.grayscale()
        case "blur": return try image.blurred(sigma: try p.double("sigma"))
        case "sharpen": return try image.sharpened(sigma: try p.optionalDouble("sigma") ?? 1)
        case "upscale_classic":
            // Upscale's classic method: Lanczos-3 enlargement (libvips' resize kernel), then an unsharp mask.
            let scale = try p.optionalInt("scale") ?? 2
            let (width, height) = (image.width * scale, image.height * scale)
            guard (2...4).contains(scale), max(width, height) <= 20_000 else {
                throw RPCError(.invalidArgument, "upscale: scale is 2 to 4 and the result at most 20000 pixels a side")
            }
            return try image.thumbnail(width: width, height: height, size: .up).sharpened(sigma: 1)
        case "adjust":
            return try image.adjusted(
                brightness: try p.optionalDouble("brightness") ?? 0, contrast: try p.optionalDouble("contrast") ?? 1)
        case "gamma": return try image.gammaCorrected(try p.double("gamma"))
        case "sepia": return try image.sepia()
        case "enhance", "restore": return try image.enhanced()
        case "tint": return try image.tinted(red: try p.int("red"), green: try p.int("green"), blue: try p.int("blue"))
        case "watermark":
            let opacity = try p.optionalDouble("opacity") ?? 0.5
            let position = p.string("position") ?? "southeast"
            guard let placement = WatermarkPlacement(rawValue: position == "center" ? "centre" : position) else {
                throw RPCError(
                    .invalidArgument,
                    "watermark.position must be one of \(WatermarkPlacement.allCases.map(\.rawValue)), not '\(position)'"
                )
            }
            if p.bool("image") {
                guard !overlay.isEmpty else {
                    throw RPCError(.invalidArgument, "watermark with image=true needs the request's overlay image")
                }
                return try image.watermarked(
                    image: Array(overlay), scale: try p.optionalDouble("scale") ?? 0.25, opacity: opacity,
                    placement: placement, limits: self.limits)
            }
            guard let text = p.string("text") else {
                throw RPCError(.invalidArgument, "watermark needs 'text' or image=true")
            }
            return try image.watermarked(
                text: text, fontSize: try p.optionalInt("font_size"), colour: try p.colour("color") ?? (255, 255, 255),
                opacity: opacity, placement: placement)
        case "convert":
            if let name = p.string("format") {
                guard let format = ImageFormat(rawValue: name == "jpg" ? "jpeg" : name) else {
                    throw RPCError(.invalidArgument, "unknown output format '\(name)'")
                }
                output.format = format
            }
            output.options.quality = try p.optionalInt("quality")
            output.options.lossless = p.bool("lossless")
            output.options.effort = try p.optionalInt("effort")
            output.options.progressive = p.bool("progressive")
            output.options.keepMetadata = p.bool("keep_metadata")
            return image
        default:
            throw RPCError(.invalidArgument, "unknown operation '\(step.operation)'")
        }
    }

    static func format(ofLoader loader: String) -> ImageFormat? {
        switch loader.split(separator: "load").first.map(String.init) {
        case "jpeg": .jpeg
        case "png": .png
        case "webp": .webp
        case "gif": .gif
        case "tiff": .tiff
        case "heif": .avif
        case "jxl": .jxl
        default: nil
        }
    }
}

struct OutputSettings {
    var format: ImageFormat
    var options = SaveOptions()
}

/// The box of a resize step.
struct ResizeBox {
    let width: Int
    let height: Int?
    let size: ThumbnailSize
    let crop: ThumbnailCrop

    init(_ step: ImageOpsStep) throws {
        let p = Parameters(step)
        self.width = try p.int("width")
        self.height = try p.optionalInt("height")
        let mode = p.string("mode") ?? (step.operation == "thumbnail" ? "down" : "fit")
        switch mode {
        case "fit": (self.size, self.crop) = (.both, .none)
        case "down": (self.size, self.crop) = (.down, .none)
        case "fill": (self.size, self.crop) = (.both, .centre)
        case "exact": (self.size, self.crop) = (.force, .none)
        default: throw RPCError(.invalidArgument, "resize mode must be fit, fill, exact or down, not '\(mode)'")
        }
        if self.size == .force || self.crop != .none, self.height == nil {
            throw RPCError(.invalidArgument, "resize mode \(mode) needs a height")
        }
    }
}

/// Typed access to a step's string parameters, with clear errors.
struct Parameters {
    let step: ImageOpsStep
    init(_ step: ImageOpsStep) { self.step = step }

    func string(_ name: String) -> String? { self.step.parameters[name] }

    func int(_ name: String) throws -> Int {
        guard let value = try self.optionalInt(name) else {
            throw RPCError(.invalidArgument, "\(self.step.operation) needs '\(name)'")
        }
        return value
    }

    func optionalInt(_ name: String) throws -> Int? {
        guard let text = self.string(name) else { return nil }
        guard let value = Int(text), (-100_000...100_000).contains(value) else {
            throw RPCError(.invalidArgument, "\(self.step.operation).\(name) must be an integer, not '\(text)'")
        }
        return value
    }

    func double(_ name: String) throws -> Double {
        guard let value = try self.optionalDouble(name) else {
            throw RPCError(.invalidArgument, "\(self.step.operation) needs '\(name)'")
        }
        return value
    }

    func optionalDouble(_ name: String) throws -> Double? {
        guard let text = self.string(name) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw RPCError(.invalidArgument, "\(self.step.operation).\(name) must be a number, not '\(text)'")
        }
        return value
    }

    /// A colour written as hex RRGGBB, with or without a leading '#'.
    func colour(_ name: String) throws -> (red: Int, green: Int, blue: Int)? {
        guard let text = self.string(name) else { return nil }
        let hex = text.hasPrefix("#") ? String(text.dropFirst()) : text
        guard hex.count == 6, let value = Int(hex, radix: 16) else {
            throw RPCError(
                .invalidArgument, "\(self.step.operation).\(name) must be a hex colour like ff8800, not '\(text)'")
        }
        return (value >> 16, (value >> 8) & 0xFF, value & 0xFF)
    }

    func bool(_ name: String) -> Bool { ["1", "true", "yes"].contains(self.string(name)?.lowercased() ?? "") }
}
