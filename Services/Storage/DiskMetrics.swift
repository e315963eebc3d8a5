import CoreMetrics
import Foundation
import ServiceLifecycle
import ServiceRuntime

/// `imageswiss_storage_disk_free_bytes` and `imageswiss_storage_disk_size_bytes` of the local
/// backend's file system (STORAGE_DATA_DIR), every 15 s: the "disk nearly full" alert reads them
/// before uploads start answering 507.
struct DiskMetrics: Service {
    let directory: String
    var interval: Duration = .seconds(15)

    func run() async throws {
        let free = Gauge(label: PlatformMetrics.diskFree)
        let size = Gauge(label: PlatformMetrics.diskSize)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var stats = statvfs()
            if statvfs(self.directory, &stats) == 0 {
                free.record(Int64(stats.f_bavail) * Int64(stats.f_frsize))
                size.record(Int64(stats.f_blocks) * Int64(stats.f_frsize))
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
