/// Where a photographed print's four corners probably are, from a small greyscale copy: the
/// strongest edges (Sobel gradient above the 92nd percentile and a floor), and among them the
/// points furthest toward each corner of the frame (least x+y is the top left, greatest x−y the top
/// right, …). It finds a print that stands out from a plainer background; on a busy one it may not,
/// and then says nothing rather than guess (the user places the corners).
public enum PrintCorners {
    /// Top left, top right, bottom right, bottom left, as fractions of the width and the height.
    public static func find(grey: [UInt8], width: Int, height: Int) -> [(x: Double, y: Double)]? {
        guard width >= 16, height >= 16, grey.count == width * height else { return nil }
        var magnitude = [Int](repeating: 0, count: width * height)
        for y in 1..<(height - 1) {
            for x in 1..<(width - 1) {
                func p(_ dx: Int, _ dy: Int) -> Int { Int(grey[(y + dy) * width + x + dx]) }
                let gx = p(1, -1) + 2 * p(1, 0) + p(1, 1) - p(-1, -1) - 2 * p(-1, 0) - p(-1, 1)
                let gy = p(-1, 1) + 2 * p(0, 1) + p(1, 1) - p(-1, -1) - 2 * p(0, -1) - p(1, -1)
                magnitude[y * width + x] = abs(gx) + abs(gy)
            }
        }
        let threshold = max(120, magnitude.sorted()[magnitude.count * 92 / 100])
        var corners: [(score: Int, x: Int, y: Int)] = Array(repeating: (Int.min, 0, 0), count: 4)
        // Scores each corner maximises: −(x+y), x−y, x+y, y−x.
        for y in 2..<(height - 2) {
            for x in 2..<(width - 2) where magnitude[y * width + x] >= threshold {
                for (index, score) in [-(x + y), x - y, x + y, y - x].enumerated() where score > corners[index].score {
                    corners[index] = (score, x, y)
                }
            }
        }
        guard corners.allSatisfy({ $0.score != Int.min }) else { return nil }
        let points = corners.map { (x: Double($0.x), y: Double($0.y)) }
        // The shoelace area: a print covers a good part of the frame, or this is not one.
        var area = 0.0
        for index in 0..<4 {
            let (a, b) = (points[index], points[(index + 1) % 4])
            area += a.x * b.y - b.x * a.y
        }
        guard abs(area) / 2 >= 0.15 * Double(width * height) else { return nil }
        return points.map { (x: $0.x / Double(width - 1), y: $0.y / Double(height - 1)) }
    }
}

extension VipsImage {
    /// The print's corners in encoded bytes (see PrintCorners), found on a copy of at most 256
    /// pixels a side, upright by its orientation as the perspective step sees it.
    public static func printCorners(_ bytes: [UInt8], limits: ImageLimits = ImageLimits()) throws
        -> [(x: Double, y: Double)]?
    {
        let small = try VipsImage.thumbnail(bytes, width: 256, height: 256, size: .down, limits: limits)
        let grey = try VipsOperationCall.run(
            "extract_band", [("in", .image(try small.grayscale())), ("band", .int(0))]
        ) {
            try $0.image()
        }
        return PrintCorners.find(grey: try grey.pixelBytes(), width: grey.width, height: grey.height)
    }
}
