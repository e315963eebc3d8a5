import CVips

/// The projective map that takes the output rectangle onto four corners of the source: what turns
/// a photograph of a print, taken at an angle, back into a flat rectangle.
public struct Homography: Sendable, Equatable {
    /// h0…h7 of [[h0 h1 h2] [h3 h4 h5] [h6 h7 1]].
    public let coefficients: [Double]

    /// Source point of output pixel (x, y).
    public func apply(_ x: Double, _ y: Double) -> (x: Double, y: Double) {
        let h = self.coefficients
        let w = h[6] * x + h[7] * y + 1
        return ((h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w)
    }

    /// The homography taking (0,0), (width,0), (width,height), (0,height) to `corners` (clockwise from
    /// top left); nil when the corners do not make a convex quadrilateral of some area.
    public static func mapping(width: Double, height: Double, to corners: [(x: Double, y: Double)]) -> Homography? {
        guard width > 0, height > 0 else { return nil }
        return Self.mapping(from: [(0, 0), (width, 0), (width, height), (0, height)], to: corners)
    }

    /// The homography taking each of four points to its partner; nil unless both sets are convex
    /// quadrilaterals of some area, given in the same turning order.
    public static func mapping(from: [(x: Double, y: Double)], to: [(x: Double, y: Double)]) -> Homography? {
        // The same turning order, or the picture would come out mirrored.
        guard from.count == 4, to.count == 4, let turn = Self.turning(from), Self.turning(to) == turn else {
            return nil
        }
        // Two equations per point: u = (h0 x + h1 y + h2) / (h6 x + h7 y + 1), v likewise.
        var rows: [[Double]] = []
        for (source, target) in zip(from, to) {
            let (x, y) = source
            rows.append([x, y, 1, 0, 0, 0, -x * target.x, -y * target.x, target.x])
            rows.append([0, 0, 0, x, y, 1, -x * target.y, -y * target.y, target.y])
        }
        return Self.solve(rows).map(Homography.init(coefficients:))
    }

    /// +1 or -1 when every turn of the quadrilateral goes that way round and its area does not vanish
    /// (at least a few pixels each way); nil otherwise.
    static func turning(_ points: [(x: Double, y: Double)]) -> Double? {
        var sign = 0.0
        var area = 0.0
        for i in 0..<4 {
            let (a, b, c) = (points[i], points[(i + 1) % 4], points[(i + 2) % 4])
            let turn = (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x)
            if turn == 0 || (sign != 0 && (turn > 0) != (sign > 0)) { return nil }
            sign = turn
            area += a.x * b.y - b.x * a.y
        }
        return abs(area) / 2 >= 16 ? (sign > 0 ? 1 : -1) : nil
    }

    /// Gaussian elimination with partial pivoting on an n × (n+1) augmented matrix.
    static func solve(_ matrix: [[Double]]) -> [Double]? {
        var m = matrix
        let n = m.count
        for column in 0..<n {
            let pivot = (column..<n).max { abs(m[$0][column]) < abs(m[$1][column]) }!
            guard abs(m[pivot][column]) > 1e-12 else { return nil }
            m.swapAt(column, pivot)
            for row in 0..<n where row != column {
                let factor = m[row][column] / m[column][column]
                if factor == 0 { continue }
                for k in column...n { m[row][k] -= factor * m[column][k] }
            }
        }
        return (0..<n).map { m[$0][n] / m[$0][$0] }
    }
}

extension VipsImage {
    /// The quadrilateral `corners` (pixels, clockwise from top left) straightened into a rectangle as
    /// wide and tall as its longer opposite edges, sampled bilinearly (libvips' `mapim`).
    public func perspectiveCorrected(corners: [(x: Double, y: Double)]) throws -> VipsImage {
        guard corners.count == 4,
            corners.allSatisfy({ $0.x >= 0 && $0.y >= 0 && $0.x <= Double(self.width) && $0.y <= Double(self.height) })
        else {
            throw VipsError(.invalidArgument, "the four corners must lie inside the \(self.width)×\(self.height) image")
        }
        func distance(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double)) -> Double {
            ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot()
        }
        let width = Int(max(distance(corners[0], corners[1]), distance(corners[3], corners[2])).rounded())
        let height = Int(max(distance(corners[0], corners[3]), distance(corners[1], corners[2])).rounded())
        guard width >= 4, height >= 4,
            let map = Homography.mapping(width: Double(width), height: Double(height), to: corners)
        else {
            throw VipsError(
                .invalidArgument, "the corners must be given clockwise from top left and enclose a convex area")
        }
        return try self.warped(by: map, width: width, height: height)
    }

    /// A `width` × `height` image whose pixel (x, y) is this image's at `homography.apply(x, y)`
    /// (bilinear; black outside this image).
    public func warped(by homography: Homography, width: Int, height: Int) throws -> VipsImage {
        let h = homography.coefficients
        let grid = try VipsOperationCall.run("xyz", [("width", .int(width)), ("height", .int(height))]) {
            try $0.image()
        }
        func band(_ index: Int) throws -> VipsImage {
            try VipsOperationCall.run("extract_band", [("in", .image(grid)), ("band", .int(index))]) { try $0.image() }
        }
        let (x, y) = (try band(0), try band(1))
        // a·x + b·y + c, as float images.
        func plane(_ a: Double, _ b: Double, _ c: Double) throws -> VipsImage {
            let ax = try VipsOperationCall.run(
                "linear", [("in", .image(x)), ("a", .text(String(a))), ("b", .text(String(c)))]
            ) { try $0.image() }
            let by = try VipsOperationCall.run(
                "linear", [("in", .image(y)), ("a", .text(String(b))), ("b", .text("0"))]
            ) { try $0.image() }
            return try VipsOperationCall.run("add", [("left", .image(ax)), ("right", .image(by))]) { try $0.image() }
        }
        let denominator = try plane(h[6], h[7], 1)
        func divided(_ top: VipsImage) throws -> VipsImage {
            try VipsOperationCall.run("divide", [("left", .image(top)), ("right", .image(denominator))]) {
                try $0.image()
            }
        }
        let index = try VipsOperationCall.run(
            "bandjoin",
            [("in", .images([try divided(try plane(h[0], h[1], h[2])), try divided(try plane(h[3], h[4], h[5]))]))]
        ) { try $0.image() }
        // mapim reads the source in any order: decode it into memory first (sequential loads cannot).
        let source = try self.inMemory()
        return try VipsOperationCall.run("mapim", [("in", .image(source)), ("index", .image(index))]) {
            try $0.image()
        }
    }
}
