import CVips
import Synchronization

/// libvips reports recoverable trouble (a corrupt tile, a truncated file it read past) as GLib
/// warnings in its "VIPS" log domain, which GLib prints to stderr. `VipsWarnings.route` sends them
/// to a handler instead — ImageOps passes them to its logger, with the rest of the service's log.
public enum VipsWarnings {
    private static let handler = Mutex<(@Sendable (String) -> Void)?>(nil)
    private static let installed = Mutex(false)

    /// Routes every later libvips warning (and message) to `handler`. Not its info chatter (one line
    /// per resize: "residual reduceh by …"), which GLib drops by default.
    public static func route(_ handler: @escaping @Sendable (String) -> Void) {
        self.handler.withLock { $0 = handler }
        self.installed.withLock { installed in
            guard !installed else { return }
            installed = true
            let levels = GLogLevelFlags(rawValue: G_LOG_LEVEL_WARNING.rawValue | G_LOG_LEVEL_MESSAGE.rawValue)
            _ = g_log_set_handler(
                "VIPS", levels,
                { _, _, message, _ in
                    let text = message.map { String(cString: $0) } ?? ""
                    VipsWarnings.deliver(text)
                }, nil)
        }
    }

    static func deliver(_ message: String) {
        let handler = self.handler.withLock { $0 }
        handler?(message)
    }
}
