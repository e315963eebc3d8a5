import ImageSwissProtos

/// The stage a pipeline step runs in. Steps are sorted by stage and keep the caller's order within
/// one: geometry changes the pixel grid (and a leading resize decodes at reduced scale), area
/// filters then read neighbourhoods on the smaller image, point operations touch each pixel once,
/// watermarks go over the finished picture, and `convert` only chooses the encoding.
enum PipelineStage: Int, Comparable {
    case geometry, areaFilter, point, overlay, output

    init(operation: String) {
        switch operation {
        case "resize", "thumbnail", "crop", "smartcrop", "rotate", "flip", "autoorient": self = .geometry
        case "blur", "sharpen", "enhance", "restore": self = .areaFilter
        case "watermark": self = .overlay
        case "convert": self = .output
        // Point operations, and unknown names, which fail with a clear error when they run.
        default: self = .point
        }
    }

    static func < (lhs: PipelineStage, rhs: PipelineStage) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `steps` in the order they run: by stage, then by position in the request.
    static func ordered(_ steps: [ImageOpsStep]) -> [ImageOpsStep] {
        steps.enumerated()
            .sorted { (PipelineStage(operation: $0.element.operation), $0.offset) < (PipelineStage(operation: $1.element.operation), $1.offset) }
            .map(\.element)
    }
}
