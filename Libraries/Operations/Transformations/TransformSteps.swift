/// A canonical transformation as checklist steps (operation name and string parameters, as a
/// checklist sends them), for a source of known size: the crop first, on the source, then the
/// resize, then the encoding. Jobs prices and runs them like any checklist.
extension TransformOptions {
    public struct Step: Sendable, Equatable {
        public let operation: String
        public let parameters: [String: String]

        public init(operation: String, parameters: [String: String]) {
            self.operation = operation
            self.parameters = parameters
        }
    }

    /// `sourceFormat` is the source's format name ("jpeg"…): a derivative in the same format with no
    /// quality asked needs no encoding step (and is not charged for one).
    public func steps(sourceWidth: Int, sourceHeight: Int, sourceFormat: String, format: String, maxSide: Int)
        -> [Step]
    {
        var steps: [Step] = []
        if let width = self.cropWidth, let height = self.cropHeight {
            let w = min(width, max(1, sourceWidth))
            let h = min(height, max(1, sourceHeight))
            let gravity = self.gravity ?? .ce
            if gravity == .sm {
                steps.append(Step(operation: "smartcrop", parameters: ["width": "\(w)", "height": "\(h)"]))
            } else {
                let (left, top) = Self.origin(
                    gravity, width: w, height: h, sourceWidth: sourceWidth,
                    sourceHeight: sourceHeight)
                steps.append(
                    Step(
                        operation: "crop",
                        parameters: [
                            "left": "\(left)", "top": "\(top)", "width": "\(w)", "height": "\(h)",
                        ]))
            }
        }
        if self.resizeMode != nil || self.width != nil || self.height != nil {
            let mode = self.resizeMode ?? .fit
            // A free side (0) of a fit or down resize is bounded only by the largest side allowed.
            let width = self.width.flatMap { $0 > 0 ? $0 : nil } ?? maxSide
            let height = self.height.flatMap { $0 > 0 ? $0 : nil } ?? maxSide
            let modes: [ResizeMode: String] = [.fit: "fit", .fill: "fill", .force: "exact", .down: "down"]
            steps.append(
                Step(
                    operation: "resize",
                    parameters: [
                        "width": "\(width)", "height": "\(height)", "mode": modes[mode]!,
                    ]))
        }
        if format != sourceFormat || self.quality != nil {
            var parameters = ["format": format]
            if let quality = self.quality { parameters["quality"] = "\(quality)" }
            steps.append(Step(operation: "convert", parameters: parameters))
        }
        return steps
    }

    /// Where a crop of `width`×`height` starts in the source for a compass gravity.
    static func origin(_ gravity: Gravity, width: Int, height: Int, sourceWidth: Int, sourceHeight: Int)
        -> (left: Int, top: Int)
    {
        let spareX = max(0, sourceWidth - width)
        let spareY = max(0, sourceHeight - height)
        let name = gravity.rawValue
        let left = name.hasSuffix("we") ? 0 : name.hasSuffix("ea") ? spareX : spareX / 2
        let top = name.hasPrefix("no") ? 0 : name.hasPrefix("so") ? spareY : spareY / 2
        return (left, top)
    }
}
