import BreachApp
import ServiceLifecycle

/// The campaigns' part of the service's life: on SIGTERM (graceful shutdown), every running
/// campaign stops taking people, finishes and records the messages in flight, before the
/// lease is released and the process exits.
struct CampaignsService: Service {
    let campaigns: CampaignSupervisor

    func run() async throws {
        // Waits until the group shuts down (or this task is cancelled), then stops the runs.
        try? await gracefulShutdown()
        await campaigns.stopAll()
    }
}
