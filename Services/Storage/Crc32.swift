import CZlib

/// The CRC-32 of ZIP entries, through zlib (several GB/s; a Swift table loop is far slower in debug builds).
struct Crc32 {
    private(set) var value: UInt32 = 0

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            self.value = UInt32(truncatingIfNeeded: crc32(UInt(self.value), buffer.baseAddress, UInt32(buffer.count)))
        }
    }
}
