import Foundation

/// A service's schema as SQL files (Services/<Name>/SQL, shipped as the service's resources):
///
/// - `migrations/NNNN_<what>.sql`: applied once each, in version order, append-only and checksummed
///   (a file's final newline is not part of its text);
/// - `functions/<name>.sql`: each function's one definition, a `CREATE OR REPLACE`, applied again
///   whenever its text changes.
public struct DatabaseSchema: Sendable {
    public let migrations: [Migration]
    public let functions: [SchemaFunction]

    public init(migrations: [Migration], functions: [SchemaFunction]) {
        self.migrations = migrations
        self.functions = functions
    }

    /// Reads `directory`/migrations and `directory`/functions.
    public init(directory: URL) throws {
        var migrations: [Migration] = []
        for file in try Self.sqlFiles(directory.appendingPathComponent("migrations")) {
            let stem = file.deletingPathExtension().lastPathComponent
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version > 0 else {
                throw PostgresError(.query, "migration file \(file.lastPathComponent) is not named NNNN_<what>.sql")
            }
            migrations.append(
                Migration(
                    version: version, name: String(stem[stem.index(after: underscore)...]), sql: try Self.text(of: file)
                ))
        }
        var functions: [SchemaFunction] = []
        let functionDirectory = directory.appendingPathComponent("functions")
        if FileManager.default.fileExists(atPath: functionDirectory.path) {
            for file in try Self.sqlFiles(functionDirectory) {
                functions.append(
                    SchemaFunction(name: file.deletingPathExtension().lastPathComponent, sql: try Self.text(of: file)))
            }
        }
        self.init(migrations: migrations, functions: functions)
    }

    /// No database.
    public static let none = DatabaseSchema(migrations: [], functions: [])

    private static func sqlFiles(_ directory: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// A SQL file's text without its final newline, so that a migration moved out of a Swift string keeps
    /// the checksum databases recorded for it.
    public static func text(of file: URL) throws -> String {
        var text = try String(contentsOf: file, encoding: .utf8)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
