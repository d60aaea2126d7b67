import ArgumentParser
import BreachApp
import BreachConfig
import BreachServer
import Foundation
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the service: the JSON API, /health, /ready and /metrics, until SIGTERM or SIGINT.",
        discussion: """
            Listens on service.listen of breachmail.yaml (default 127.0.0.1:8025); without \
            service.tls_certificate only on a loopback address. One serve per register: a second one \
            exits with status 75 and names the one running. Every API route but /health and /ready \
            needs a token (`breachmail token create`).

            Example:
              breachmail token create ops --role operator
              breachmail serve --dir ./breach-work
            """)

    @OptionGroup var workspace: WorkspaceOptions
    @Option(help: ArgumentHelp("HOST:PORT to listen on instead of service.listen; port 0 takes any free port (the address is printed).",
                               valueName: "host:port"))
    var listen: String?

    func run() async throws {
        // The log goes to standard error; standard output carries only the "listening on" line.
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let ws = try workspace.open()
        let settings: ServerSettings
        do {
            settings = try ServerSettings(ws.configuration.service, directory: ws.directory, listenOverride: listen)
        } catch {
            throw CLIError(error.message, .configuration)
        }
        let metrics = ServiceMetrics()
        let env = ProcessInfo.processInfo.environment
        var options = CampaignRun.Options()
        // Test hook (hidden), as for `subjects notify`: a pause after each delivery.
        options.delayAfterSend = .milliseconds(env["BREACHMAIL_TEST_DELAY_MS"].flatMap(Int.init) ?? 0)
        let campaigns = CampaignSupervisor(transport: { try MailSetup.transport($0) }, clock: try WorkspaceClock(), options: options,
                                           observer: { incident, event in metrics.observe(incident, event) })
        let environment = ServerEnvironment(directory: ws.directory, configuration: ws.configuration, register: ws.register,
                                            metrics: metrics, now: { (try? Clock.now()) ?? Date() }, campaigns: campaigns)
        var logger = Logger(label: "breachmail.serve")
        logger.logLevel = .info
        do {
            // The scheduler acts as itself in the history: nobody typed what it does.
            let scheduler = Scheduler(ws.acting(as: "breachmail-scheduler"), clock: try WorkspaceClock())
            let leadership = SchedulerLeadership()
            let services = [SchedulerLifecycle(scheduler: scheduler, metrics: metrics, logger: logger, leadership: leadership)]
            try await BreachService.run(environment: environment, settings: settings, services: services, leadership: leadership,
                                        logger: logger) { url in
                // Unbuffered: a supervisor or a test reads the address as soon as the socket is bound.
                FileHandle.standardOutput.write(Data("breachmail serve: listening on \(url)\n".utf8))
            }
        } catch let error as ServerError where error.code == .leaseHeld {
            FileHandle.standardError.write(Data("Error: \(error.message) (exit 75: try again later)\n".utf8))
            throw ExitCode(ExitStatus.temporary.rawValue)
        } catch let error as ServerError {
            throw CLIError(error.message, .configuration)
        }
    }
}
