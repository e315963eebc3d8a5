import Edge
import ServiceRuntime

await ServiceMain.run(EdgeApp.self)
