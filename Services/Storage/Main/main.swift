import ServiceRuntime
import Storage

await ServiceMain.run(StorageApp.self)
