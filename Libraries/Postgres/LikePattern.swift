/// LIKE and ILIKE patterns from user text: `%`, `_` and `\` (LIKE's default escape) are escaped,
/// so a search for "50%_off" finds exactly that.
public enum LikePattern {
    public static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }

    /// Matches values that contain `text`.
    public static func containing(_ text: String) -> String { "%" + Self.escaped(text) + "%" }

    /// Matches values that start with `text`.
    public static func prefix(_ text: String) -> String { Self.escaped(text) + "%" }
}
