import CArgon2

/// argon2id password hashing through libargon2, in the PHC string format
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`): the parameters travel with every hash, so they
/// can be raised later and old hashes upgraded at the next successful sign-in.
public enum Argon2id {
    /// Cost parameters. The default is OWASP's recommendation for argon2id: 19 MiB, 2 passes, 1 lane.
    public struct Parameters: Sendable, Equatable {
        /// Memory in KiB.
        public var memoryKiB: UInt32
        public var iterations: UInt32
        public var parallelism: UInt32

        public init(memoryKiB: UInt32 = 19 * 1024, iterations: UInt32 = 2, parallelism: UInt32 = 1) {
            self.memoryKiB = memoryKiB
            self.iterations = iterations
            self.parallelism = parallelism
        }

        /// True when a hash made with these parameters is weaker than `target` in any dimension.
        public func isWeaker(than target: Parameters) -> Bool {
            self.memoryKiB < target.memoryKiB || self.iterations < target.iterations
                || self.parallelism < target.parallelism
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    static let saltLength = 16
    static let hashLength = 32
    /// libargon2 accepts longer passwords, but a bound keeps the work per attempt fixed.
    public static let maxPasswordBytes = 1024

    /// Hashes `password` with a fresh random salt.
    public static func hash(_ password: String, parameters: Parameters = Parameters()) throws -> String {
        let bytes = Array(password.utf8)
        guard bytes.count <= Self.maxPasswordBytes else { throw Failure(description: "password too long") }
        var generator = SystemRandomNumberGenerator()  // getrandom(2): a CSPRNG
        let salt = (0..<Self.saltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let length = argon2_encodedlen(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism,
            UInt32(Self.saltLength), UInt32(Self.hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: length + 1)
        let result = argon2id_hash_encoded(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism,
            bytes, bytes.count, salt, salt.count, Self.hashLength, &encoded, encoded.count
        )
        guard result == ARGON2_OK.rawValue else {
            throw Failure(description: "argon2id failed: \(String(cString: argon2_error_message(result)))")
        }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True when `password` matches `encoded`. Takes the hash's full cost whatever the answer.
    public static func verify(_ password: String, against encoded: String) -> Bool {
        let bytes = Array(password.utf8)
        guard bytes.count <= Self.maxPasswordBytes, encoded.hasPrefix("$argon2id$") else { return false }
        return argon2id_verify(encoded, bytes, bytes.count) == ARGON2_OK.rawValue
    }

    /// The parameters recorded in a PHC string, nil when it is not an argon2id hash.
    public static func parameters(of encoded: String) -> Parameters? {
        // $argon2id$v=19$m=19456,t=2,p=1$salt$hash
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: true)
        guard fields.count == 5, fields[0] == "argon2id" else { return nil }
        var values: [Substring: UInt32] = [:]
        for pair in fields[2].split(separator: ",") {
            let parts = pair.split(separator: "=")
            guard parts.count == 2, let value = UInt32(parts[1]) else { return nil }
            values[parts[0]] = value
        }
        guard let m = values["m"], let t = values["t"], let p = values["p"] else { return nil }
        return Parameters(memoryKiB: m, iterations: t, parallelism: p)
    }
}
