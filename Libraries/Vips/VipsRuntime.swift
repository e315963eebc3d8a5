import CVips
import Foundation
import Synchronization

/// Process-wide libvips setup, done once before the first operation.
public enum VipsRuntime {
    private static let state = Mutex<Bool>(false)

    /// Starts libvips: untrusted loaders (ImageMagick, MATLAB, …) blocked, the operation cache off
    /// (results are never reused between users), and one worker thread per operation so that
    /// concurrency is governed by the caller's limits rather than libvips' own pool.
    public static func initialize() throws {
        try self.state.withLock { started in
            guard !started else { return }
            guard isw_vips_init() == 0 else { throw VipsError(.processing, "libvips failed to start: \(takeError())") }
            vips_block_untrusted_set(1)
            vips_cache_set_max(0)
            vips_cache_set_max_mem(0)
            vips_concurrency_set(1)
            started = true
        }
    }

    /// The libvips version, e.g. "8.14.1".
    public static var version: String { String(cString: vips_version_string()) }

    /// Takes (and clears) the text of libvips' last errors.
    static func takeError() -> String {
        guard let copy = vips_error_buffer_copy() else { return "unknown libvips error" }
        defer { g_free(copy) }
        let text = String(cString: copy).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "unknown libvips error" : text
    }
}
