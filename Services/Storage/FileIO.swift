import Foundation
import NIOPosix

/// Blocking file calls (open, pwrite, fsync…) on a thread pool of their own, never on Swift's
/// cooperative threads or an event loop.
struct FileIO: Sendable {
    let threads: NIOThreadPool

    init(threads: Int) {
        self.threads = NIOThreadPool(numberOfThreads: threads)
        self.threads.start()
    }

    func run<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
        try await self.threads.runIfActive(body)
    }
}

/// A failed system call, with errno. ENOSPC, EDQUOT and EFBIG mean "no room", which callers report
/// as a full store rather than an internal failure.
struct FileError: Error, CustomStringConvertible {
    let call: String
    let code: Int32

    var description: String { "\(self.call): \(String(cString: strerror(self.code)))" }
    var isNoSpace: Bool { [ENOSPC, EDQUOT, EFBIG].contains(self.code) }

    static func check(_ result: Int32, _ call: String) throws(FileError) {
        if result < 0 { throw FileError(call: call, code: errno) }
    }
}

/// An open file descriptor, closed at deinit.
final class FileDescriptor {
    let fd: Int32

    init(path: String, flags: Int32, mode: mode_t = 0o600) throws(FileError) {
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError(call: "open", code: errno) }
        self.fd = fd
    }

    deinit { close(self.fd) }

    var size: Int64 {
        get throws(FileError) {
            var info = stat()
            try FileError.check(fstat(self.fd, &info), "fstat")
            return Int64(info.st_size)
        }
    }

    /// Writes all of `bytes` at `offset` (pwrite may write less than asked).
    func write(_ bytes: some ContiguousBytes, at offset: Int64) throws(FileError) {
        let failure: FileError? = bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let written = pwrite(
                    self.fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
                if written < 0 {
                    if errno == EINTR { continue }
                    return FileError(call: "pwrite", code: errno)
                }
                done += written
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// Up to `count` bytes from `offset`; fewer only at the end of the file. The buffer is not
    /// zeroed first: `pread` fills it, and only the bytes it filled are kept.
    func read(count: Int, at offset: Int64) throws(FileError) -> [UInt8] {
        var failure: FileError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let read = pread(self.fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if read < 0 {
                    if errno == EINTR { continue }
                    failure = FileError(call: "pread", code: errno)
                    break
                }
                if read == 0 { break }
                done += read
            }
            initialized = failure == nil ? done : 0
        }
        if let failure { throw failure }
        return bytes
    }

    func truncate(to size: Int64) throws(FileError) {
        try FileError.check(ftruncate(self.fd, off_t(size)), "ftruncate")
    }
    func sync() throws(FileError) { try FileError.check(fsync(self.fd), "fsync") }
}
