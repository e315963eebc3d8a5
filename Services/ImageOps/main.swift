import ServiceRuntime

// ImageOps: stateless pixel operations on libvips. This version serves health.
await ServiceMain.run(ServiceCatalog.imageOps)
