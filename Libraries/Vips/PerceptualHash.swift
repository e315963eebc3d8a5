import CVips

extension VipsImage {
    /// The 64-bit difference hash (dHash) of encoded bytes: the picture squeezed to 9×8 grey
    /// pixels (with shrink-on-load, so it is cheap), one bit per horizontally adjacent pair, set
    /// when the left pixel is brighter. Near-identical pictures differ in few bits.
    public static func differenceHash(_ bytes: [UInt8], limits: ImageLimits = ImageLimits()) throws -> UInt64 {
        let small = try VipsImage.thumbnail(bytes, width: 9, height: 8, size: .force, limits: limits)
        let grey = try small.grayscale()
        let firstBand = try VipsOperationCall.run("extract_band", [("in", .image(grey)), ("band", .int(0))]) {
            try $0.image()
        }
        let pixels = try firstBand.pixelBytes()
        guard pixels.count == 72 else {
            throw VipsError(.processing, "hash thumbnail has \(pixels.count) pixels, not 72")
        }
        var hash: UInt64 = 0
        for row in 0..<8 {
            for column in 0..<8 {
                hash <<= 1
                if pixels[row * 9 + column] > pixels[row * 9 + column + 1] { hash |= 1 }
            }
        }
        return hash
    }

    /// The image's pixels as 8-bit samples, band-interleaved, row by row.
    public func pixelBytes() throws -> [UInt8] {
        let bytes = try VipsOperationCall.run("cast", [("in", .image(self)), ("format", .text("uchar"))]) {
            try $0.image()
        }
        var length = 0
        guard let memory = isw_write_to_memory(bytes.pointer, &length) else {
            throw VipsError(.processing, "could not compute pixels: \(VipsRuntime.takeError())")
        }
        defer { g_free(memory) }
        return Array(UnsafeRawBufferPointer(start: memory, count: length))
    }
}

/// Groups hashes whose Hamming distance is at most `maxDistance`, transitively (if A≈B and B≈C, all
/// three are one group). Returns groups of two or more positions, each sorted, ordered by first member.
public func duplicateGroups(_ hashes: [UInt64], maxDistance: Int) -> [[Int]] {
    var parent = Array(hashes.indices)
    func root(_ i: Int) -> Int {
        var i = i
        while parent[i] != i {
            parent[i] = parent[parent[i]]
            i = parent[i]
        }
        return i
    }
    for i in hashes.indices {
        for j in (i + 1)..<hashes.count where (hashes[i] ^ hashes[j]).nonzeroBitCount <= maxDistance {
            let (a, b) = (root(i), root(j))
            if a != b { parent[max(a, b)] = min(a, b) }
        }
    }
    var groups: [Int: [Int]] = [:]
    for i in hashes.indices { groups[root(i), default: []].append(i) }
    return groups.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
}
