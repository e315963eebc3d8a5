import Foundation

/// The byte layout of a stored (uncompressed) ZIP archive with data descriptors (APPNOTE 6.3):
/// per entry a local header, the bytes and a descriptor; then the central directory and its end
/// record. Sizes are 32-bit (no ZIP64): the caller keeps archives under 4 GB.
struct ZipLayout {
    struct Entry {
        let name: String
        let size: Int64
        /// Microseconds since the epoch; stored as MS-DOS local date and time (UTC here).
        let modified: Int64
    }

    let entries: [Entry]
    /// Where each local header starts.
    let offsets: [Int64]
    let centralDirectoryOffset: Int64
    let totalSize: Int64

    // Bit 3: CRC and sizes follow in a data descriptor. Bit 11: names are UTF-8.
    private static let flags: UInt16 = 1 << 3 | 1 << 11

    init(entries: [Entry]) {
        self.entries = entries
        var offsets: [Int64] = []
        var position: Int64 = 0
        for entry in entries {
            offsets.append(position)
            position += 30 + Int64(entry.name.utf8.count) + entry.size + 16
        }
        self.offsets = offsets
        self.centralDirectoryOffset = position
        let directory = entries.reduce(Int64(0)) { $0 + 46 + Int64($1.name.utf8.count) }
        self.totalSize = position + directory + 22
    }

    func localHeader(_ index: Int) -> [UInt8] {
        let entry = self.entries[index]
        var out = ZipBytes()
        out.u32(0x0403_4b50)
        out.u16(20)  // version needed: 2.0
        out.u16(Self.flags)
        out.u16(0)  // stored
        out.dosTime(entry.modified)
        out.u32(0)
        out.u32(0)
        out.u32(0)  // CRC and sizes: in the descriptor
        out.u16(UInt16(entry.name.utf8.count))
        out.u16(0)
        out.bytes += Array(entry.name.utf8)
        return out.bytes
    }

    func dataDescriptor(_ index: Int, crc: UInt32) -> [UInt8] {
        var out = ZipBytes()
        out.u32(0x0807_4b50)
        out.u32(crc)
        out.u32(UInt32(self.entries[index].size))
        out.u32(UInt32(self.entries[index].size))
        return out.bytes
    }

    func centralDirectory(crcs: [UInt32]) -> [UInt8] {
        var out = ZipBytes()
        for (index, entry) in self.entries.enumerated() {
            out.u32(0x0201_4b50)
            out.u16(0x0314)  // made by: Unix, 2.0
            out.u16(20)
            out.u16(Self.flags)
            out.u16(0)
            out.dosTime(entry.modified)
            out.u32(crcs[index])
            out.u32(UInt32(entry.size))
            out.u32(UInt32(entry.size))
            out.u16(UInt16(entry.name.utf8.count))
            out.u16(0)
            out.u16(0)
            out.u16(0)
            out.u16(0)  // extra, comment, disk, internal attributes
            out.u32(0o100644 << 16)  // external attributes: a regular file, rw-r--r--
            out.u32(UInt32(self.offsets[index]))
            out.bytes += Array(entry.name.utf8)
        }
        let directorySize = UInt32(out.bytes.count)
        out.u32(0x0605_4b50)
        out.u16(0)
        out.u16(0)
        out.u16(UInt16(self.entries.count))
        out.u16(UInt16(self.entries.count))
        out.u32(directorySize)
        out.u32(UInt32(self.centralDirectoryOffset))
        out.u16(0)
        return out.bytes
    }
}

/// Little-endian writer for ZIP records.
private struct ZipBytes {
    var bytes: [UInt8] = []

    mutating func u16(_ value: UInt16) { self.bytes += [UInt8(value & 0xFF), UInt8(value >> 8)] }
    mutating func u32(_ value: UInt32) {
        self.u16(UInt16(value & 0xFFFF))
        self.u16(UInt16(value >> 16))
    }

    mutating func dosTime(_ micros: Int64) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(micros) / 1e6))
        let year = max(1980, min(2107, c.year!))
        self.u16(UInt16(c.hour! << 11 | c.minute! << 5 | c.second! / 2))
        self.u16(UInt16((year - 1980) << 9 | c.month! << 5 | c.day!))
    }
}
