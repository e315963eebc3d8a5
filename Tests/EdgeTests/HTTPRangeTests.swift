import Testing

@testable import Edge

/// `Range: bytes=…` against a 1,000-byte file (RFC 9110 §14): what is served whole, in part, or 416.
struct HTTPRangeTests {
    @Test("ranges resolve against the size; several ranges and nonsense are answered whole")
    func rangesResolve() {
        let size: UInt64 = 1_000
        #expect(HTTPRange.parse(nil, size: size) == .whole)
        #expect(HTTPRange.parse("bytes=0-99", size: size) == .partial(HTTPRange(offset: 0, length: 100)))
        #expect(HTTPRange.parse("bytes=900-", size: size) == .partial(HTTPRange(offset: 900, length: 100)))
        #expect(HTTPRange.parse("bytes=-10", size: size) == .partial(HTTPRange(offset: 990, length: 10)))
        #expect(HTTPRange.parse("bytes=-5000", size: size) == .partial(HTTPRange(offset: 0, length: 1_000)))
        #expect(HTTPRange.parse("bytes=990-5000", size: size) == .partial(HTTPRange(offset: 990, length: 10)))
        #expect(HTTPRange.parse("bytes=1000-", size: size) == .unsatisfiable)
        #expect(HTTPRange.parse("bytes=-0", size: size) == .unsatisfiable)
        #expect(HTTPRange.parse("bytes=0-1,5-9", size: size) == .whole)
        #expect(HTTPRange.parse("bytes=9-1", size: size) == .whole)
        #expect(HTTPRange.parse("items=0-1", size: size) == .whole)
        #expect(HTTPRange.parse("bytes=x-1", size: size) == .whole)
        #expect(HTTPRange.parse("bytes=0-", size: 0) == .unsatisfiable)
    }
}
