import BreachApp
import BreachBounces
import BreachCompose
import BreachConfig
import BreachCore
import BreachImport
import BreachRegister
import Foundation
import Hummingbird

// The use cases of BreachApp over HTTP: each handler decodes, calls one use case with the
// request's token as the actor, and encodes; refusals become RFC 9457 problems (``UseCaseError``).

/// A use case's Encodable result as a JSON response (the context's encoder: snake_case, sorted).
struct JSONResult<Value: Encodable & Sendable>: ResponseEncodable {
    let value: Value
    init(_ value: Value) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

extension ServerEnvironment {
    /// The working directory as a use case sees it, acted on by the request's token.
    func workspace(_ context: ServerRequestContext) throws -> Workspace {
        Workspace(directory: directory, configuration: configuration, register: register, actor: try context.actor())
    }
}

/// Maps a use case's refusal to the problem the client reads: the status from its kind, the
/// detail from its message, the field when it names one.
enum UseCaseError {
    static func problem(_ error: any Error) -> any Error {
        switch error {
        case let problem as Problem: return problem
        case let error as AppError:
            let status: HTTPResponse.Status = switch error.code {
            case .invalidInput: .unprocessableContent
            case .notFound: .notFound
            case .conflict, .interrupted: .conflict
            case .configuration: .conflict
            case .unavailable: .serviceUnavailable
            }
            let slug = error.code == .configuration ? "configuration" : error.code.rawValue.replacingOccurrences(of: "_", with: "-")
            return Problem(status, slug, field: error.facts["field"], detail: error.description)
        case let error as RegisterError:
            switch error.code {
            case .incidentNotFound, .versionNotFound:
                return Problem.notFound("\(error) GET /v1/incidents lists the ids.")
            case .locked:
                return Problem(.serviceUnavailable, "register-locked", detail: "\(error) Retry in a moment.",
                               headers: [.retryAfter: "5"])
            default: return error
            }
        case let error as FileProblems:
            return Problem(.unprocessableContent, "invalid-field", field: error.problems.first?.key, detail: error.description)
        case let refusal as AuthorityRefusal:
            return Problem(.unprocessableContent, "refused", field: nil,
                           detail: "\(refusal.description) Nothing was sent; the refusal is recorded (\(refusal.kind)).")
        default: return error
        }
    }

    /// Runs `body`, mapping what it throws.
    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw problem(error) }
    }
}

/// Request bodies: read up to the configured limit, JSON decoded with the failing key named.
enum RequestBody {
    static func text(_ request: Request, _ context: ServerRequestContext) async throws -> String {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw Problem.badRequest(field: "body", "the body is not UTF-8 text; send the file as UTF-8.")
        }
        return text
    }

    /// The body as one JSON object of `T`: read once (a body can be read only once), refused
    /// with the field named when a key is not one of `allowed` or a value does not fit.
    static func json<T: Decodable>(_ type: T.Type, allowed: Set<String>, _ request: Request, _ context: ServerRequestContext) async throws -> T {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.hasPrefix("application/json") else { throw Problem.unsupportedMediaType(expected: "application/json") }
        let data = Data(try await request.body.collect(upTo: context.maxUploadSize).readableBytesView)
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw Problem.unprocessable(field: unknown, "\(unknown) is not a field of this request; the fields are \(allowed.sorted().joined(separator: ", ")).")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, path) {
            let field = (path.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")
            throw Problem.unprocessable(field: field, "\(field) is missing; see the OpenAPI document for this route's body.")
        } catch let DecodingError.typeMismatch(_, c), let DecodingError.valueNotFound(_, c) {
            let field = c.codingPath.map(\.stringValue).joined(separator: ".")
            throw Problem.unprocessable(field: field, "\(field): \(c.debugDescription)")
        } catch let DecodingError.dataCorrupted(c) {
            let field = c.codingPath.map(\.stringValue).joined(separator: ".")
            throw Problem.badRequest(field: field.isEmpty ? "body" : field,
                                     "the body is not valid JSON (\(c.underlyingError.map { "\($0)" } ?? c.debugDescription)); send one JSON object.")
        }
    }
}

/// Incidents written, their status and the DPO's decision.
struct IncidentUseCaseRoutes: RouteGroup {
    func register(on routes: ServerRoutes, environment: ServerEnvironment) {
        routes.post("/v1/incidents", needs: .administer) { request, context in
            try await UseCaseError.mapped {
                let ws = try environment.workspace(context)
                let text = try await RequestBody.text(request, context)
                let record = try await blocking { try Incidents.open(ws, text: text, name: "request body", at: environment.now()) }
                return EditedResponse(status: .created, response: JSONResult(try Incidents.document(ws, id: record.id)))
            }
        }
        routes.put("/v1/incidents/{id}", needs: .administer) { request, context in
            try await UseCaseError.mapped {
                let id = try context.parameters.require("id")
                let ws = try environment.workspace(context)
                let text = try await RequestBody.text(request, context)
                let updated = try await blocking { try Incidents.update(ws, id: id, text: text, name: "request body", at: environment.now()) }
                return JSONResult(Updated(changed: updated != nil, incident: try Incidents.document(ws, id: id)))
            }
        }
        routes.get("/v1/incidents/{id}/status", needs: .read) { _, context in
            try await UseCaseError.mapped {
                let id = try context.parameters.require("id")
                let ws = try environment.workspace(context)
                return JSONResult(try await blocking {
                    let record = try ws.register.incident(id)
                    let now = environment.now()
                    return try StatusJSON.document(ws, record: record, clock: try ws.clock(of: record, at: now), now: now)
                })
            }
        }
        routes.get("/v1/incidents/{id}/assessment", needs: .read) { _, context in
            try await UseCaseError.mapped {
                let id = try context.parameters.require("id")
                let document = try Incidents.document(try environment.workspace(context), id: id)
                guard let assessment = document.assessment else {
                    throw Problem.notFound("no decision is recorded for \(id) yet: POST /v1/incidents/\(id)/assessment with the answers and confirm or override.")
                }
                return JSONResult(assessment)
            }
        }
        routes.post("/v1/incidents/{id}/assessment", needs: .administer) { request, context in
            try await UseCaseError.mapped {
                let id = try context.parameters.require("id")
                let body = try await RequestBody.json(AssessmentRequest.self, allowed: AssessmentRequest.keys, request, context)
                let ws = try environment.workspace(context)
                // The answers as an answers file's YAML text, or as a JSON object (JSON is YAML).
                let answers: String
                if case .string(let text) = body.answers { answers = text } else {
                    answers = String(decoding: try JSONEncoder().encode(body.answers), as: UTF8.self)
                }
                let assessment = try Assessments.recommend(ws, incidentID: id, answers: answers, name: "answers")
                let choice: Assessments.Choice
                switch body.decision {
                case "confirm": choice = .confirm
                case "override":
                    choice = .override(notifyAuthority: body.notify_authority, communicateToSubjects: body.communicate_to_subjects,
                                       reason: body.reason ?? "")
                default:
                    throw Problem.unprocessable(field: "decision", "decision must be confirm or override (with reason); \(body.decision) is neither.")
                }
                let decision = try Assessments.decision(on: assessment, choice)
                let language = AssessmentLanguage(rawValue: body.language ?? "en") ?? .en
                let recorded = try await blocking {
                    try Assessments.record(ws, incidentID: id, assessment: assessment, decision: decision, source: "api",
                                           language: language, at: environment.now())
                }
                return EditedResponse(status: .created, response: JSONResult(StatusJSON.AssessmentJSON(
                    entry: recorded.entry.sequence, recorded_at: recorded.entry.recordedAt, actor: recorded.entry.actor,
                    in_force: true, record: recorded.record)))
            }
        }
    }

    struct Updated: Encodable, Sendable {
        let changed: Bool
        let incident: Incidents.Document
    }

    struct AssessmentRequest: Decodable, Sendable {
        static let keys: Set<String> = ["answers", "decision", "notify_authority", "communicate_to_subjects", "reason", "language"]
        /// The answers of an answers file (Config/examples/assessment.yaml): its YAML text, or a JSON object.
        let answers: JSONValue
        let decision: String
        let notify_authority: Bool?
        let communicate_to_subjects: Bool?
        let reason: String?
        let language: String?
    }
}

/// Any JSON value, kept to be handed on as text (the answers of an assessment).
enum JSONValue: Codable, Sendable {
    case string(String), number(Double), bool(Bool), null, array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null } else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) } else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) } else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let n): if n == n.rounded(), abs(n) < 1e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .bool(let b): try c.encode(b)
        case .null: try c.encodeNil()
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

/// The notification to an authority: composed, sent (or prepared for a portal), its reference recorded.
struct AuthorityRoutes: RouteGroup {
    func register(on routes: ServerRoutes, environment: ServerEnvironment) {
        routes.get("/v1/incidents/{id}/authorities/{authority}/notification", needs: .read) { request, context in
            try await UseCaseError.mapped {
                let n = try notification(request, context, complementary: request.uri.queryParameters.get("phase") == "complementary",
                                         language: request.uri.queryParameters.get("lang"))
                let rendered = try n.render()
                return JSONResult(Composed(authority: n.authority.id, phase: n.phaseName, language: n.language.rawValue,
                                           subject: rendered.subject, text: rendered.text))
            }
        }
        routes.post("/v1/incidents/{id}/authorities/{authority}/send", needs: .administer) { request, context in
            try await UseCaseError.mapped {
                let body = try await RequestBody.json(SendRequest.self, allowed: ["phase", "lang", "confirm"], request, context)
                guard body.confirm == true else {
                    throw Problem.unprocessable(field: "confirm", "sending to an authority needs \"confirm\": true: check the composed text first (GET …/notification).")
                }
                let n = try notification(request, context, complementary: body.phase == "complementary", language: body.lang)
                let outcome = try await n.sendAndRecord()
                return EditedResponse(status: .created, response: JSONResult(Sent(
                    authority: n.authority.id, phase: n.phaseName, status: outcome.status.rawValue, channel: n.authority.channel.rawValue,
                    message_id: outcome.messageID.isEmpty ? nil : outcome.messageID, sent_sha256: outcome.sentSHA256,
                    encrypted_to: n.authority.channel == .emailPGP ? n.authority.fingerprint : nil, delivered_to: outcome.deliveredTo)))
            }
        }
        routes.post("/v1/incidents/{id}/authorities/{authority}/reference", needs: .administer) { request, context in
            try await UseCaseError.mapped {
                let body = try await RequestBody.json(ReferenceRequest.self, allowed: ["phase", "reference"], request, context)
                let n = try notification(request, context, complementary: body.phase == "complementary", language: nil)
                let made = try await blocking { try n.recordReference(body.reference) }
                return EditedResponse(status: .created, response: JSONResult(Referenced(
                    authority: n.authority.id, phase: n.phaseName, reference: body.reference.trimmingCharacters(in: .whitespaces),
                    for_status: made.status.rawValue)))
            }
        }

        @Sendable func notification(_ request: Request, _ context: ServerRequestContext, complementary: Bool, language: String?) throws -> AuthorityNotification {
            let id = try context.parameters.require("id"), authority = try context.parameters.require("authority")
            return try AuthorityNotification(try environment.workspace(context), incidentID: id, authority: authority,
                                             language: language, complementary: complementary)
        }
    }

    struct Composed: Encodable, Sendable {
        let authority, phase, language, subject, text: String
    }

    struct SendRequest: Decodable, Sendable {
        let phase: String?
        let lang: String?
        let confirm: Bool?
    }

    struct Sent: Encodable, Sendable {
        let authority, phase, status, channel: String
        let message_id: String?
        let sent_sha256: String
        let encrypted_to: String?
        let delivered_to: [String]
    }

    struct ReferenceRequest: Decodable, Sendable {
        let phase: String?
        let reference: String
    }

    struct Referenced: Encodable, Sendable {
        let authority, phase, reference, for_status: String
    }
}

/// The people: a CSV imported as a streamed upload, one person's record, the campaign.
struct SubjectRoutes: RouteGroup {
    func register(on routes: ServerRoutes, environment: ServerEnvironment) {
        routes.post("/v1/incidents/{id}/subjects", needs: .campaign) { request, context in
            try await UseCaseError.mapped {
                let id = try context.parameters.require("id")
                let ws = try environment.workspace(context)
                _ = try ws.register.incident(id)
                let contentType = request.headers[.contentType] ?? ""
                guard contentType.hasPrefix("text/csv") else { throw Problem.unsupportedMediaType(expected: "text/csv") }
                var options = SubjectImporter.Options(csv: CSVOptions(), maps: [], defaultLanguage: ws.defaultLanguage)
                if let code = request.uri.queryParameters.get("default_language") {
                    guard let language = Language(rawValue: code) else {
                        throw Problem.unprocessable(field: "default_language", "default_language must be fr, en or de.")
                    }
                    options.defaultLanguage = language
                }
                // The upload goes to a private file first (memory stays flat); a body cut short
                // throws before anything is imported, and the file is removed either way.
                let reports = SubjectImporter.reportDirectory(for: ws.register, workingDirectory: ws.directory)
                try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                let upload = reports.appendingPathComponent("upload-\(UUID().uuidString).csv")
                guard FileManager.default.createFile(atPath: upload.path, contents: nil, attributes: [.posixPermissions: 0o600]),
                      let handle = FileHandle(forWritingAtPath: upload.path) else {
                    throw Problem(.serviceUnavailable, "cannot-store", detail: "the upload cannot be stored beside the register; check the disk.")
                }
                defer { try? FileManager.default.removeItem(at: upload) }
                var received = 0
                do {
                    defer { try? handle.close() }
                    for try await buffer in request.body {
                        received += buffer.readableBytes
                        guard received <= context.maxUploadSize else {
                            throw Problem(.contentTooLarge, "too-large", field: "body",
                                          detail: "the CSV is larger than service.max_body_bytes (\(context.maxUploadSize) bytes); raise it or split the file.")
                        }
                        try handle.write(contentsOf: Data(buffer.readableBytesView))
                    }
                }
                let chosen = options
                let summary = try await blocking {
                    try SubjectImporter.run(file: upload, into: ws.register, incidentID: id, options: chosen, reportDirectory: reports,
                                            actor: ws.actor, at: environment.now())
                }
                return EditedResponse(status: .created, response: JSONResult(summary))
            }
        }
        // The address travels in the body, never in the URL: URLs end up in logs.
        routes.post("/v1/incidents/{id}/people/lookup", needs: .read) { request, context in
            try await UseCaseError.mapped {
                let id = try context.parameters.require("id")
                let body = try await RequestBody.json(Lookup.self, allowed: ["subject_id", "email"], request, context)
                let ws = try environment.workspace(context)
                guard let record = try await blocking({ try People.find(ws, incidentID: id, subjectID: body.subject_id, email: body.email) }) else {
                    throw Problem.notFound("\(id) has no such person (no subject with that id or address).")
                }
                return JSONResult(record)
            }
        }
        routes.post("/v1/incidents/{id}/campaign/start", needs: .campaign) { _, context in
            try await UseCaseError.mapped {
                let id = try context.parameters.require("id")
                try await environment.campaigns.start(try environment.workspace(context), incidentID: id)
                return EditedResponse(status: .accepted, response: JSONResult(CampaignState(incident: id, state: "running")))
            }
        }
        routes.post("/v1/incidents/{id}/campaign/pause", needs: .campaign) { _, context in
            try await UseCaseError.mapped {
                let id = try context.parameters.require("id")
                let outcome = try await environment.campaigns.pause(try environment.workspace(context), incidentID: id)
                return JSONResult(CampaignState(incident: id, state: "paused", end: outcome?.endName, states: outcome?.states))
            }
        }
        routes.post("/v1/incidents/{id}/campaign/resume", needs: .campaign) { _, context in
            try await UseCaseError.mapped {
                let id = try context.parameters.require("id")
                try await environment.campaigns.resume(try environment.workspace(context), incidentID: id)
                return EditedResponse(status: .accepted, response: JSONResult(CampaignState(incident: id, state: "running")))
            }
        }
        // Server-sent events: `progress` about five times a second, `paused` when the relay
        // pauses, `finished` last; a campaign not running gives one `idle` event with the counts.
        routes.get("/v1/incidents/{id}/campaign/events", needs: .read) { _, context in
            try await UseCaseError.mapped {
                let id = try context.parameters.require("id")
                let register = environment.register
                let counts = try await blocking { () throws -> [String: Int] in
                    _ = try register.incident(id)
                    return try register.subjectCounts(incidentID: id)
                }
                let stream = await environment.campaigns.follow(id)
                let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store"]
                return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                    guard let stream else {
                        try await writer.write(ByteBuffer(string: CampaignEvents.line("idle", ["states": counts])))
                        try await writer.finish(nil)
                        return
                    }
                    for await event in stream {
                        try await writer.write(ByteBuffer(string: CampaignEvents.line(event)))
                    }
                    try await writer.finish(nil)
                })
            }
        }
    }

    struct Lookup: Decodable, Sendable {
        let subject_id: Int64?
        let email: String?
    }

    struct CampaignState: Encodable, Sendable {
        let incident: String
        let state: String
        var end: String? = nil
        var states: [String: Int]? = nil
    }
}

/// Server-sent event lines of a campaign's events: counts only, never an address.
enum CampaignEvents {
    static func line(_ event: CampaignRun.Event) -> String {
        switch event {
        case .started(let toSend, let workers, let recovered):
            line("started", ["to_send": toSend, "workers": workers, "recovered": recovered])
        case .progress(let f, let pause):
            line("progress", ["done": f.done, "submitted": f.submitted, "deferred": f.deferred, "failed_permanent": f.failedPermanent,
                              "render_failed": f.renderFailed, "not_yet_due": f.notYetDue,
                              "paused_until": pause.map { RFC3339Text.utc($0.ends) } ?? NSNull()])
        case .paused(let pause):
            line("paused", ["seconds": Int(pause.seconds.rounded(.up)), "until": RFC3339Text.utc(pause.ends), "reply": pause.reply])
        case .finished(let outcome):
            line("finished", ["end": outcome.endName, "submitted": outcome.figures.submitted, "states": outcome.states])
        }
    }

    static func line(_ name: String, _ data: [String: Any]) -> String {
        let json = (try? JSONSerialization.data(withJSONObject: data, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "event: \(name)\ndata: \(json)\n\n"
    }
}

/// Bounces posted one by one (an MTA's pipe, a provider's webhook), the register's proof.
struct BounceAndRegisterRoutes: RouteGroup {
    func register(on routes: ServerRoutes, environment: ServerEnvironment) {
        // One raw message (message/rfc822); recorded once by its SHA-256, like `bounces ingest`.
        routes.post("/v1/bounces", needs: .bounces) { request, context in
            try await UseCaseError.mapped {
                let ws = try environment.workspace(context)
                let bytes = Array(try await request.body.collect(upTo: context.maxUploadSize).readableBytesView)
                guard !bytes.isEmpty else { throw Problem.badRequest(field: "body", "the body is empty: send the raw bounce message (message/rfc822).") }
                let parser = BounceParser(verp: try BounceSetup.verp(ws))
                let counts = try await blocking {
                    var ingest = BounceIngestion(parser: parser, register: ws.register, actor: ws.actor, now: environment.now())
                    try ingest.record([InboundMessage(bytes: bytes, file: nil)])
                    return ingest.counts
                }
                for (name, n) in [("hard", counts.hard), ("transient", counts.transient), ("sender-side", counts.senderSide)] where n > 0 {
                    environment.metrics.countBounce(class: name)
                }
                return EditedResponse(status: counts.duplicates > 0 ? .ok : .created, response: JSONResult(counts))
            }
        }
        routes.get("/v1/register/verify", needs: .read) { _, _ in
            try await UseCaseError.mapped {
                let verification = try await blocking { try environment.register.verify() }
                return JSONResult(Verified(entries: verification.entries, head: verification.head, intact: verification.firstProblem == nil,
                                           first_problem: verification.firstProblem?.description))
            }
        }
        routes.get("/v1/register/export", needs: .read) { request, context in
            try await UseCaseError.mapped {
                let formatName = request.uri.queryParameters.get("format") ?? "json"
                guard ["csv", "json", "html"].contains(formatName) else {
                    throw Problem.unprocessable(field: "format", "format must be csv, json or html.")
                }
                let langName = request.uri.queryParameters.get("lang") ?? "en"
                guard let language = Language(rawValue: langName) else {
                    throw Problem.unprocessable(field: "lang", "lang must be fr, en or de.")
                }
                let ws = try environment.workspace(context)
                let text = try await blocking { () throws -> String in
                    guard let format = RegisterExport.Format(rawValue: formatName) else {
                        return try RegisterReport(ws, language: language, now: environment.now()).html().html
                    }
                    return try RegisterExport(controller: ws.configuration.controller, incidents: try ws.register.incidents(),
                                              history: try ws.register.history(), verification: try ws.register.verify(),
                                              generatedAt: environment.now(), language: language == .fr ? .fr : .en).render(format)
                }
                let type = switch formatName {
                case "csv": "text/csv; charset=utf-8"
                case "json": "application/json"
                default: "text/html; charset=utf-8"
                }
                return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-store"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
            }
        }
    }

    struct Verified: Encodable, Sendable {
        let entries: Int
        let head: String
        let intact: Bool
        let first_problem: String?
    }
}
