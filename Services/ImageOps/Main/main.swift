import ImageOps
import ServiceRuntime

await ServiceMain.run(ImageOpsApp.self)
