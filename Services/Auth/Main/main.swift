import Auth
import ServiceRuntime

await ServiceMain.run(AuthApp.self)
