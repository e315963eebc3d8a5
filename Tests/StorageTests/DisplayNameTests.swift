import Storage
import Testing

/// The rules a file's original name passes before it becomes display text or a zip entry.
struct DisplayNameTests {
    @Test func onlyTheLastPathComponentSurvives() {
        #expect(DisplayName.clean("../../etc/passwd") == "passwd")
        #expect(DisplayName.clean(#"C:\Users\me\photo.jpg"#) == "photo.jpg")
        #expect(DisplayName.clean("..") == "")
        #expect(DisplayName.clean("a/..") == "")
    }

    /// Found by the names fuzzer: U+06DD is a prepended mark, so "\u{06DD}/" is one Character and a
    /// split on Characters kept the slash.
    @Test func aSeparatorJoinedToAMarkIsStillASeparator() {
        let cleaned = DisplayName.clean("\u{06DD}/////.png")
        #expect(!cleaned.unicodeScalars.contains("/"))
        #expect(cleaned == ".png")
        #expect(!DisplayName.clean("\u{06DD}\\x.png").unicodeScalars.contains("\\"))
    }

    @Test func controlAndDirectionCharactersAreDroppedAndLengthIsBounded() {
        #expect(DisplayName.clean("a\u{0}b\u{7F}c\u{202E}d.png") == "abcd.png")
        #expect(DisplayName.clean(String(repeating: "x", count: 1000)).count == DisplayName.maxLength)
    }

    @Test func archiveNamesAreUniqueIgnoringCaseAndNeverEmpty() {
        let names = DisplayName.archiveNames([
            (id: "11111111-a", displayName: "Photo.jpg", contentType: "image/jpeg"),
            (id: "22222222-b", displayName: "photo.jpg", contentType: "image/jpeg"),
            (id: "33333333-c", displayName: "../", contentType: "image/png"),
        ])
        #expect(names == ["Photo.jpg", "photo (2).jpg", "file-33333333.png"])
    }
}
