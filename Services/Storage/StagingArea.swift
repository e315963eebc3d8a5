import Crypto
import Foundation
import Postgres

/// The bytes of uploads in progress: one file per upload id under `<data dir>/staging`. The file's
/// size is the truth of how much arrived, so a resumed upload continues exactly where bytes stop.
/// With `shared` (STORAGE_STAGING=database) chunked uploads keep their chunks in the database instead
/// and the file is written only at commit, so any replica can take any chunk (SharedChunks).
struct StagingArea: Sendable {
    let directory: String
    let io: FileIO
    let shared: SharedChunks?

    /// What a complete staged file holds: its digest, size and first bytes (for type detection).
    struct Content: Sendable {
        let sha256: String
        let size: Int64
        let head: [UInt8]
    }

    /// How many first bytes type detection sees.
    static let headBytes = 256 << 10

    static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// An append at an offset other than the staged size; carries the size to resume from.
    struct OffsetMismatch: Error { let received: Int64 }

    init(directory: String, io: FileIO, shared: SharedChunks? = nil) throws {
        self.directory = directory
        self.io = io
        self.shared = shared
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func path(_ upload: UUID) -> String { "\(self.directory)/\(upload.lowercasedText)" }

    /// Bytes staged so far (0 before the first chunk).
    func size(_ upload: UUID, in session: any PostgresQuerying) async throws -> Int64 {
        if let shared { return try await shared.size(upload, in: session) }
        let path = self.path(upload)
        return try await self.io.run {
            var info = stat()
            guard stat(path, &info) == 0 else {
                if errno == ENOENT { return 0 }
                throw FileError(call: "stat", code: errno)
            }
            return Int64(info.st_size)
        }
    }

    /// Writes `data` at `offset`, which must be the staged size; returns the new size. A failed
    /// write (a full disk) is cut back to the previous size: no partial chunk stays behind.
    func append(_ upload: UUID, offset: Int64, data: [UInt8], in session: any PostgresQuerying) async throws -> Int64 {
        if let shared { return try await shared.append(upload, offset: offset, data: data, in: session) }
        let path = self.path(upload)
        return try await self.io.run {
            let file = try FileDescriptor(path: path, flags: O_WRONLY | O_CREAT)
            let size = try file.size
            guard size == offset else { throw OffsetMismatch(received: size) }
            do {
                try file.write(data, at: offset)
            } catch {
                try? file.truncate(to: offset)
                throw error
            }
            return offset + Int64(data.count)
        }
    }

    /// A whole upload in one piece (PutBlob): written to a new staged file and flushed to disk, on
    /// one trip to the file threads; digest and head come from the bytes at hand, not read back.
    func stage(_ upload: UUID, data: [UInt8]) async throws -> Content {
        let path = self.path(upload)
        return try await self.io.run {
            let file = try FileDescriptor(path: path, flags: O_WRONLY | O_CREAT | O_EXCL)
            try file.write(data, at: 0)
            try file.sync()
            return Content(of: data)
        }
    }

    /// Flushes the staged file to disk and digests it (read once, in 1 MiB pieces).
    func seal(_ upload: UUID, in session: any PostgresQuerying) async throws -> Content {
        if let shared { return try await shared.materialize(upload, at: self.path(upload), io: self.io, in: session) }
        let path = self.path(upload)
        let headBytes = Self.headBytes
        return try await self.io.run {
            let file = try FileDescriptor(path: path, flags: O_RDONLY | O_CREAT)
            try file.sync()
            var hasher = SHA256()
            var head: [UInt8] = []
            var offset: Int64 = 0
            let size = try file.size
            while offset < size {
                // Never more than is left: a 50 KB result is not read into a 1 MiB buffer.
                let piece = try file.read(count: Int(min(1 << 20, size - offset)), at: offset)
                if piece.isEmpty { break }
                if head.count < headBytes { head += piece.prefix(headBytes - head.count) }
                hasher.update(data: piece)
                offset += Int64(piece.count)
            }
            return Content(sha256: Self.hex(hasher.finalize()), size: offset, head: head)
        }
    }

    func remove(_ upload: UUID) async {
        await self.shared?.remove(upload)
        let path = self.path(upload)
        _ = try? await self.io.run { unlink(path) }
    }

    /// Staged files untouched for `age`, whatever their upload row says (leftovers of a crash).
    func files(olderThan age: Duration) async throws -> [UUID] {
        let directory = self.directory
        let cutoff = Date().addingTimeInterval(-Double(age.components.seconds))
        return try await self.io.run {
            try FileManager.default.contentsOfDirectory(atPath: directory).compactMap { name -> UUID? in
                guard let id = UUID(text: name),
                    let modified = try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)")[
                        .modificationDate] as? Date,
                    modified < cutoff
                else { return nil }
                return id
            }
        }
    }
}

extension StagingArea.Content {
    /// Digest, size and head of bytes at hand.
    init(of bytes: [UInt8]) {
        self.init(
            sha256: StagingArea.hex(SHA256.hash(data: bytes)), size: Int64(bytes.count),
            head: Array(bytes.prefix(StagingArea.headBytes)))
    }
}
