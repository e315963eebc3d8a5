import CSpawnShim
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Children not yet reaped. When the test process exits, whatever is still running is killed: a
/// test that fails before stopping its services must not leave them behind.
private let unreapedChildren = Mutex<Set<pid_t>>([])
private let killChildrenAtExit: Void = {
    atexit {
        // Only unreaped pids are here, so none can have been reused by another process.
        for pid in unreapedChildren.withLock({ $0 }) { kill(pid, SIGKILL) }
    }
}()

/// Child processes for tests, on posix_spawn and waitpid.
///
/// Foundation's Process is not used: its waitUntilExit can hang when several tests spawn at once,
/// and `pg_ctl start` leaves the server holding inherited pipes. Output goes to a file instead.
public struct ChildProcess: Sendable {
    public let pid: pid_t
    public let outputPath: String

    /// Starts `executable` with its output appended to `outputPath`.
    public static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        inputPath: String = "/dev/null", outputPath: String
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Close every other inherited descriptor: sockets that NIO opened without close-on-exec
        // (listeners of servers running in this process) would otherwise live on in the child, and a
        // long-lived child such as postgres would keep their ports bound after the test closed them.
        imageswiss_spawn_addclosefrom(&actions, 3)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in env { free(pointer) } }
        // The child must not inherit the spawning thread's signal mask: dispatch and NIO worker
        // threads block signals, and a service that starts with SIGTERM blocked never drains.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid = pid_t()
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, env)
        guard rc == 0 else { throw TestSupportError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        _ = killChildrenAtExit
        unreapedChildren.withLock { _ = $0.insert(pid) }
        return ChildProcess(pid: pid, outputPath: outputPath)
    }

    /// Waits for the process to end and returns its exit status (128 + signal when killed).
    @discardableResult
    public func wait() async throws -> Int32 {
        try await blocking { self.waitSync() }
    }

    /// `wait()` for synchronous contexts; blocks the calling thread.
    @discardableResult
    public func waitSync() -> Int32 {
        var status: Int32 = 0
        while waitpid(self.pid, &status, 0) == -1 && errno == EINTR {}
        unreapedChildren.withLock { _ = $0.remove(self.pid) }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    public func signal(_ signal: Int32) { kill(self.pid, signal) }

    /// True while the process has not exited (it is not reaped).
    public var isRunning: Bool {
        var status: Int32 = 0
        let result = waitpid(self.pid, &status, WNOHANG)
        if result == self.pid { unreapedChildren.withLock { _ = $0.remove(self.pid) } }
        return result == 0
    }

    public var output: String { String(decoding: self.outputBytes, as: UTF8.self) }
    public var outputBytes: [UInt8] { (FileManager.default.contents(atPath: self.outputPath)).map(Array.init) ?? [] }
}

/// Runs a program to completion and returns its output; throws with its output when it fails.
@discardableResult
public func run(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: [UInt8]? = nil
) async throws -> String {
    try await runWithStatus(executable, arguments, environment: environment, input: input, mustSucceed: true).output
}

/// `run` for code already on a blocking thread (TestPostgres).
@discardableResult
func runSync(_ executable: String, _ arguments: [String]) throws -> String {
    String(
        decoding: try runForBytesSync(executable, arguments, environment: nil, input: nil, mustSucceed: true).output,
        as: UTF8.self)
}

/// Runs a program to completion and returns its exit status and output.
public func runWithStatus(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: [UInt8]? = nil,
    mustSucceed: Bool = false
) async throws -> (status: Int32, output: String) {
    let (status, bytes) = try await runForBytes(
        executable, arguments, environment: environment, input: input, mustSucceed: mustSucceed)
    return (status, String(decoding: bytes, as: UTF8.self))
}

/// Runs a program to completion and returns its exit status and its output's bytes.
public func runForBytes(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: [UInt8]? = nil,
    mustSucceed: Bool = true
) async throws -> (status: Int32, output: [UInt8]) {
    try await blocking {
        try runForBytesSync(executable, arguments, environment: environment, input: input, mustSucceed: mustSucceed)
    }
}

func runForBytesSync(
    _ executable: String, _ arguments: [String], environment: [String: String]?, input: [UInt8]?, mustSucceed: Bool
) throws -> (status: Int32, output: [UInt8]) {
    let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent(
        "imageswiss-run-\(UUID().uuidString)"
    ).path
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    var inputPath = "/dev/null"
    if let input {
        inputPath = outputPath + ".in"
        FileManager.default.createFile(atPath: inputPath, contents: Data(input))
    }
    defer { if input != nil { try? FileManager.default.removeItem(atPath: inputPath) } }
    let child = try ChildProcess.spawn(
        executable, arguments, environment: environment, inputPath: inputPath, outputPath: outputPath)
    let status = child.waitSync()
    let bytes = child.outputBytes
    guard status == 0 || !mustSucceed else {
        throw TestSupportError(
            "\(executable) \(arguments.joined(separator: " ")) exited \(status): \(String(decoding: bytes, as: UTF8.self))"
        )
    }
    return (status, bytes)
}

/// The folder holding this build's executables (imageswiss-probe, imageswiss-auth, …): the test
/// bundle is built beside them.
public func buildProductsDirectory() throws -> String {
    let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    var url = URL(fileURLWithPath: me).deletingLastPathComponent()
    // On Linux the test runner is <products>/ImageSwissPackageTests.xctest.
    while !FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("imageswiss-probe").path),
        url.path != "/"
    {
        url = url.deletingLastPathComponent()
    }
    guard url.path != "/" else { throw TestSupportError("cannot find the build products beside \(me)") }
    return url.path
}
