import Foundation
import S3
import Testing

/// AWS's published Signature V4 vectors: the generic test suite (service "service", us-east-1,
/// 2015-08-30T12:36:00Z, the documented example credentials) and the S3 documentation's GET
/// Object example. A signer that passes these signs like AWS does.
@Suite struct SignatureV4Tests {
    static let suite = SignatureV4(
        credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service"
    )
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    static func authorization(_ headers: [(String, String)]) -> String? { headers.first { $0.0 == "Authorization" }?.1 }

    @Test(arguments: [
        (
            "GET", [(String, String)](), [(String, String)](),
            "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        ),  // get-vanilla
        (
            "POST", [], [],
            "SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        ),  // post-vanilla
        (
            "GET", [("Param2", "value2"), ("Param1", "value1")], [],
            "SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        ),  // get-vanilla-query-order-key-case
        (
            "POST", [], [("My-Header1", "VALUE1")],
            "SignedHeaders=host;my-header1;x-amz-date, Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"
        ),  // post-header-value-case
    ])
    func awsTestSuite(method: String, query: [(String, String)], extra: [(String, String)], expected: String) {
        let headers = Self.suite.sign(
            method: method, path: "/", query: query, headers: [("Host", "example.amazonaws.com")] + extra,
            payloadHash: SignatureV4.emptyPayloadHash, date: Self.suiteDate
        )
        #expect(
            Self.authorization(headers)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \(expected)")
        #expect(headers.contains { $0 == ("x-amz-date", "20150830T123600Z") })
    }

    /// S3's "GET Object" example (Authenticating Requests: Using the Authorization Header).
    @Test func s3GetObjectExample() {
        let signer = SignatureV4(
            credentials: .init(
                accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1", service: "s3"
        )
        let headers = signer.sign(
            method: "GET", path: "/test.txt",
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
                ("x-amz-content-sha256", SignatureV4.emptyPayloadHash),
            ],
            // 2013-05-24T00:00:00Z
            payloadHash: SignatureV4.emptyPayloadHash, date: Date(timeIntervalSince1970: 1_369_353_600)
        )
        #expect(
            Self.authorization(headers)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    @Test func uriEncodingKeepsOnlyUnreservedCharacters() {
        #expect(SignatureV4.uriEncode("a b/c~d-e_f.g*h") == "a%20b%2Fc~d-e_f.g%2Ah")
        #expect(SignatureV4.uriEncode("objects/ab/cd", keepSlash: true) == "objects/ab/cd")
        #expect(SignatureV4.uriEncode("é") == "%C3%A9")
    }
}
