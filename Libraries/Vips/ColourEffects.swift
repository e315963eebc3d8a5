import CVips

extension VipsImage {
    /// The classic sepia tone (a 3×3 colour matrix over sRGB). An alpha band is kept as it is.
    public func sepia() throws -> VipsImage {
        try self.recombined([0.393, 0.769, 0.189, 0.349, 0.686, 0.168, 0.272, 0.534, 0.131])
    }

    /// Grey tones tinted towards a colour: black stays black, white becomes the colour.
    public func tinted(red: Int, green: Int, blue: Int) throws -> VipsImage {
        guard [red, green, blue].allSatisfy({ (0...255).contains($0) }) else {
            throw VipsError(.invalidArgument, "tint colour components must be 0 to 255")
        }
        // Luma weights in every row, scaled by the tint colour.
        let luma = [0.299, 0.587, 0.114]
        let matrix = [red, green, blue].flatMap { component in luma.map { $0 * Double(component) / 255 } }
        return try self.recombined(matrix)
    }

    private func recombined(_ matrix: [Double]) throws -> VipsImage {
        let srgb = try VipsOperationCall.run("colourspace", [("in", .image(self)), ("space", .text("srgb"))]) {
            try $0.image()
        }
        let colour = try VipsOperationCall.run(
            "extract_band", [("in", .image(srgb)), ("band", .int(0)), ("n", .int(3))]
        ) { try $0.image() }
        guard let pointer = matrix.withUnsafeBufferPointer({ isw_matrix(3, 3, $0.baseAddress) }) else {
            throw VipsError(.processing, "could not build the colour matrix: \(VipsRuntime.takeError())")
        }
        let mixed = try VipsOperationCall.run(
            "recomb", [("in", .image(colour)), ("m", .image(VipsImage(owning: pointer)))]
        ) { try $0.image() }
        let clipped = try VipsOperationCall.run("cast", [("in", .image(mixed)), ("format", .text("uchar"))]) {
            try $0.image()
        }
        guard srgb.hasAlpha else { return clipped }
        let alpha = try VipsOperationCall.run("extract_band", [("in", .image(srgb)), ("band", .int(srgb.bands - 1))]) {
            try $0.image()
        }
        return try VipsOperationCall.run("bandjoin", [("in", .images([clipped, alpha]))]) { try $0.image() }
    }
}
