import Jobs
import ServiceRuntime

await ServiceMain.run(JobsApp.self)
