import Foundation
import Postgres
import Testing

@Suite("UUID text")
struct UUIDTextTests {
    @Test func agreesWithFoundationBothWays() {
        for _ in 0..<2_000 {
            let id = UUID()
            #expect(id.lowercasedText == id.uuidString.lowercased())
            #expect(UUID(text: id.uuidString) == id)
            #expect(UUID(text: id.uuidString.lowercased()) == id)
            #expect(UUID(text: Substring("x" + id.uuidString).dropFirst()) == id)
        }
        let fixed = "00000000-0000-0000-0000-000000000000"
        #expect(UUID(text: fixed)?.lowercasedText == fixed)
        #expect(
            UUID(text: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")?.lowercasedText == "ffffffff-ffff-ffff-ffff-ffffffffffff"
        )
    }

    @Test func refusesMalformedText() {
        let good = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
        let bad = [
            "", "7c9e6679742540de944be07fc1f90ae7", good + "0", String(good.dropLast()),
            "{7c9e6679-7425-40de-944b-e07fc1f90ae}", "7c9e6679_7425-40de-944b-e07fc1f90ae7",
            "7c9e667-97425-40de-944b-e07fc1f90ae7", "7c9e6679-7425-40de-944b-e07fc1f90aeg",
            "7c9e6679-7425-40de-944b-e07fc1f90aé", "7c9e6679-7425-40de-944b-e07fc1f90a\u{0}7",
            " 7c9e6679-7425-40de-944b-e07fc1f90ae", "7c9e6679-7425-40de-944b-e07fc1f90ae-",
        ]
        for text in bad {
            #expect(UUID(text: text) == nil, "\(text)")
        }
        #expect(UUID(text: good) != nil)
        // Stricter than Foundation's sscanf-based parse, which reads an "a" followed by a NUL or a
        // non-ASCII byte as the byte 0x0a: the texts ending "a\u{0}7" and "aé" are UUIDs …90a0e there.
    }
}
