import Foundation
import ServiceLifecycle

/// Log lines written at request rate (the edge's access log) go through a buffer: one write(2) per
/// 32 KiB or per quarter second instead of one per line, which cost the edge a third of its
/// throughput on small requests (docs/performance.md). `Flusher` empties it on a timer and once
/// more at shutdown, so no line is held longer than that.
public final class BufferedLines: @unchecked Sendable {
    public static let standardError = BufferedLines(descriptor: 2)
    static let limit = 32 * 1024

    private let descriptor: Int32
    private let lock = NSLock()
    private var buffer: [UInt8] = []

    init(descriptor: Int32) {
        self.descriptor = descriptor
        self.buffer.reserveCapacity(Self.limit * 2)
    }

    /// Adds one line (a newline is appended); writes the buffer out when it is full.
    public func write(_ line: String) {
        self.lock.lock()
        self.buffer.append(contentsOf: line.utf8)
        self.buffer.append(0x0A)
        let full = self.buffer.count >= Self.limit
        let bytes = full ? self.take() : []
        self.lock.unlock()
        if full { self.out(bytes) }
    }

    public func flush() {
        self.lock.lock()
        let bytes = self.take()
        self.lock.unlock()
        self.out(bytes)
    }

    private func take() -> [UInt8] {
        let bytes = self.buffer
        self.buffer.removeAll(keepingCapacity: true)
        return bytes
    }

    private func out(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Foundation.write(self.descriptor, $0.baseAddress, $0.count)
            }
            guard written > 0 else { return }  // nowhere to log to: drop rather than spin
            offset += written
        }
    }

    /// Empties the buffer every `interval`, and at graceful shutdown.
    public struct Flusher: Service {
        let lines: BufferedLines
        let interval: Duration

        public init(_ lines: BufferedLines = .standardError, every interval: Duration = .milliseconds(250)) {
            (self.lines, self.interval) = (lines, interval)
        }

        public func run() async throws {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
                self.lines.flush()
            }
            self.lines.flush()
        }
    }
}
