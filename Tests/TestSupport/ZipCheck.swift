import Foundation

/// Reads a zip with Python's zipfile: every entry's CRC checked, names → SHA-256 of the contents.
public enum ZipCheck {
    public static func entries(_ archive: [UInt8]) async throws -> [String: String] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zip-\(UUID().uuidString).zip").path
        FileManager.default.createFile(atPath: path, contents: Data(archive))
        let script = """
            import hashlib, json, sys, zipfile
            z = zipfile.ZipFile(sys.argv[1])
            assert z.testzip() is None, "bad CRC"
            print(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}))
            """
        let output = try await run("/usr/bin/env", ["python3", "-c", script, path])
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: String] ?? [:]
    }
}
