import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Child processes for tests, on posix_spawn and waitpid.
///
/// Foundation's Process is not used: its waitUntilExit can hang when several tests spawn at once,
/// and `pg_ctl start` leaves the server holding inherited pipes. Output goes to a file instead.
public struct ChildProcess: Sendable {
    public let pid: pid_t
    public let outputPath: String

    /// Starts `executable` with its output appended to `outputPath`.
    public static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, outputPath: String) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, env)
        guard rc == 0 else { throw TestSupportError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        return ChildProcess(pid: pid, outputPath: outputPath)
    }

    /// Waits for the process to end and returns its exit status (128 + signal when killed).
    @discardableResult
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(self.pid, &status, 0) == -1 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    public func signal(_ signal: Int32) { kill(self.pid, signal) }

    /// True while the process has not exited (it is not reaped).
    public var isRunning: Bool {
        var status: Int32 = 0
        return waitpid(self.pid, &status, WNOHANG) == 0
    }

    public var output: String { (try? String(contentsOfFile: self.outputPath, encoding: .utf8)) ?? "" }
}

/// Runs a program to completion and returns its output; throws with its output when it fails.
@discardableResult
public func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
    let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("imageswiss-run-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    let child = try ChildProcess.spawn(executable, arguments, environment: environment, outputPath: outputPath)
    let status = child.wait()
    let text = child.output
    guard status == 0 else {
        throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) exited \(status): \(text)")
    }
    return text
}
