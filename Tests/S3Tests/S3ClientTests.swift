import Curl
import Foundation
import S3
import TestSupport
import Testing

/// The S3 client against moto's S3 server (PyPI `moto[server]`) on loopback: the same HTTP
/// endpoints, signatures and error answers as S3.
@Suite(.serialized) struct S3ClientTests {
    @Test func objectsRoundTripAndErrorsAreS3Errors() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let curl = CurlClient()
        let client = S3Client(configuration: moto.configuration(bucket: "roundtrip"), curl: curl)
        try await client.createBucket()
        try await client.createBucket()  // already ours: fine

        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("s3-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: file, contents: Data(bytes))
        let digest = sha256Hex(bytes)
        try await client.putObject(
            "objects/aa/\(digest)", file: file, sha256: digest, contentType: "application/octet-stream")
        #expect(try await client.objectExists("objects/aa/\(digest)"))
        #expect(
            try await client.getObject("objects/aa/\(digest)", offset: 1000, length: 5000) == Array(bytes[1000..<6000]))
        #expect(
            try await client.getObject("objects/aa/\(digest)", offset: 299_990, length: 100) == Array(bytes[299_990...])
        )

        // S3's error answers come back with their code: a missing key, a missing bucket.
        let missing = await #expect(throws: S3Error.self) {
            try await client.getObject("objects/00/none", offset: 0, length: 1)
        }
        #expect(missing?.status == 404 && missing?.code == "NoSuchKey")
        let noBucket = S3Client(configuration: moto.configuration(bucket: "never-made"), curl: curl)
        let bucketError = await #expect(throws: S3Error.self) {
            try await noBucket.getObject("x", offset: 0, length: 1)
        }
        #expect(bucketError?.status == 404 && bucketError?.code == "NoSuchBucket")

        try await client.deleteObject("objects/aa/\(digest)")
        try await client.deleteObject("objects/aa/\(digest)")  // missing: fine
        #expect(try await client.objectExists("objects/aa/\(digest)") == false)

        // Nobody listening: a transport failure, status 0.
        moto.stop()
        _ = try? await moto.process.wait()
        let down = await #expect(throws: S3Error.self) { try await client.objectExists("objects/aa/\(digest)") }
        #expect(down?.status == 0)
    }
}
