import Foundation

/// Objects as files under `<data dir>/objects`, on the same file system as the staging area:
/// a sealed (fsynced) staged file becomes an object by a hard link — atomic, and an existing object
/// (the same content) is simply kept — then the folder is fsynced so the name survives a crash.
struct FileSystemBackend: BlobBackend {
    let root: String
    let io: FileIO
    var name: String { "local" }

    init(root: String, io: FileIO) throws {
        self.root = root
        self.io = io
        try FileManager.default.createDirectory(atPath: root + "/objects", withIntermediateDirectories: true)
    }

    private func path(_ sha256: String) -> String { "\(self.root)/\(Self.relativeKey(sha256))" }

    func store(stagedFile path: String, sha256: String, size: Int64, contentType: String) async throws {
        let object = self.path(sha256)
        let folder = (object as NSString).deletingLastPathComponent
        try await self.io.run {
            if mkdir(folder, 0o700) != 0 && errno != EEXIST { throw FileError(call: "mkdir", code: errno) }
            if link(path, object) != 0 {
                guard errno == EEXIST else { throw FileError(call: "link", code: errno) }
                return  // the same content is already stored
            }
            let directory = try FileDescriptor(path: folder, flags: O_RDONLY | O_DIRECTORY)
            try directory.sync()
        }
    }

    func exists(_ sha256: String) async throws -> Bool {
        let object = self.path(sha256)
        return try await self.io.run { access(object, F_OK) == 0 }
    }

    func read(_ sha256: String, offset: Int64, length: Int) async throws -> [UInt8] {
        let object = self.path(sha256)
        return try await self.io.run {
            try FileDescriptor(path: object, flags: O_RDONLY).read(count: length, at: offset)
        }
    }

    func remove(_ sha256: String) async throws {
        let object = self.path(sha256)
        try await self.io.run {
            if unlink(object) != 0 && errno != ENOENT { throw FileError(call: "unlink", code: errno) }
        }
    }
}
