import PasswordHashing
import Testing

@Suite("argon2id")
struct Argon2idTests {
    let cheap = Argon2id.Parameters(memoryKiB: 8192, iterations: 1, parallelism: 1)

    @Test func hashesVerifyAndRecordTheirParameters() throws {
        let hash = try Argon2id.hash("correct horse", parameters: self.cheap)
        #expect(hash.hasPrefix("$argon2id$v=19$m=8192,t=1,p=1$"))
        #expect(Argon2id.verify("correct horse", against: hash))
        #expect(!Argon2id.verify("correct horsE", against: hash))
        #expect(Argon2id.parameters(of: hash) == self.cheap)
        // A fresh salt every time.
        #expect(try Argon2id.hash("correct horse", parameters: self.cheap) != hash)
    }

    @Test func weakerParametersAreRecognised() {
        let target = Argon2id.Parameters()
        #expect(self.cheap.isWeaker(than: target))
        #expect(!target.isWeaker(than: target))
        #expect(Argon2id.Parameters(memoryKiB: 65536, iterations: 1, parallelism: 1).isWeaker(than: target))
    }

    @Test func anythingElseNeverVerifies() throws {
        for stored in [
            "", "!oauth", "$argon2i$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "$argon2id$broken", "plaintext",
        ] {
            #expect(!Argon2id.verify("plaintext", against: stored), "\(stored)")
            #expect(Argon2id.parameters(of: stored) == nil, "\(stored)")
        }
        #expect(throws: Argon2id.Failure.self) {
            try Argon2id.hash(String(repeating: "x", count: Argon2id.maxPasswordBytes + 1), parameters: self.cheap)
        }
    }
}
