extension VipsImage {
    /// Brightness and contrast in one pass: `out = contrast × (in − 128) + 128 + brightness × 255`,
    /// clipped to 0–255. `brightness` is in [−1, 1] (0 keeps it), `contrast` in (0, 4] (1 keeps it).
    /// An alpha band is left as it is.
    public func adjusted(brightness: Double = 0, contrast: Double = 1) throws -> VipsImage {
        guard (-1...1).contains(brightness), contrast > 0, contrast <= 4 else {
            throw VipsError(.invalidArgument, "brightness must be in [-1, 1] and contrast in (0, 4]")
        }
        let offset = 128 * (1 - contrast) + brightness * 255
        let colourBands = self.hasAlpha ? self.bands - 1 : self.bands
        let a = Array(repeating: String(contrast), count: colourBands) + (self.hasAlpha ? ["1"] : [])
        let b = Array(repeating: String(offset), count: colourBands) + (self.hasAlpha ? ["0"] : [])
        return try VipsOperationCall.run(
            "linear",
            [
                ("in", .image(self)), ("a", .text(a.joined(separator: " "))), ("b", .text(b.joined(separator: " "))),
                ("uchar", .bool(true)),
            ]
        ) { try $0.image() }
    }

    /// Gamma correction: `out = 255 × (in / 255) ^ (1 / gamma)`; gamma > 1 brightens mid-tones.
    public func gammaCorrected(_ gamma: Double) throws -> VipsImage {
        guard gamma > 0, gamma <= 10 else { throw VipsError(.invalidArgument, "gamma must be in (0, 10]") }
        return try VipsOperationCall.run("gamma", [("in", .image(self)), ("exponent", .double(gamma))]) {
            try $0.image()
        }
    }
}
