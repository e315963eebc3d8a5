/// Hex digits, for the text forms of `bytea` and `uuid`.
enum Hex {
    /// Lowercase, as PostgreSQL prints them.
    static let digits = Array("0123456789abcdef".utf8)

    /// The value of one hex digit in either case; nil for anything else.
    static func value(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
