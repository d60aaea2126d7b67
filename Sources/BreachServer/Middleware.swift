import Foundation
import Hummingbird
import Logging

/// Logs one line per request — method, route pattern, status, duration, token name — and counts
/// it in the metrics. Never the path as sent, the query string, a header's value or the body:
/// they may carry personal data.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    let logger: Logger
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
            let elapsed = ContinuousClock.now - start
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            var metadata: Logger.Metadata = [
                "method": .string(request.method.rawValue), "route": .string(route), "status": .stringConvertible(status),
                "duration_ms": .string(String(format: "%.1f", milliseconds)),
            ]
            if let name = context.attribution.tokenName { metadata["token"] = .string(name) }
            logger.info("request", metadata: metadata)
            metrics.countRequest(method: request.method.rawValue, route: route, status: status)
        }
        let response = try await next(request, context)
        status = Int(response.status.code)
        return response
    }
}

/// Turns every error into an RFC 9457 problem response; an unknown route is 404, a known path
/// with another method 405 (with `Allow`), an unexpected error 500 without its text.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    let logger: Logger
    let routes: RouteTable
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let error as HTTPError {
            return try problem(for: error, request).response(from: request, context: context)
        } catch {
            // Errors of the register and the use cases carry no personal data (STYLE.md); their type and text help the operator.
            logger.error("request failed", metadata: ["route": .string(context.endpointPath ?? "unmatched"),
                                                      "error": .string("\(type(of: error)): \(error)")])
            return try Problem.internalError.response(from: request, context: context)
        }
    }

    private func problem(for error: HTTPError, _ request: Request) -> Problem {
        switch error.status {
        case .notFound:
            let allowed = routes.methods(forPath: request.uri.path)
            if !allowed.isEmpty {
                let list = allowed.map(\.rawValue).joined(separator: ", ")
                return Problem(.methodNotAllowed, "method-not-allowed", detail: "this path takes \(list) only; see the API's OpenAPI document.",
                               headers: [.allow: list])
            }
            return .notFound("no route matches this method and path; the API's routes are in its OpenAPI document (Sources/BreachServer/openapi.yaml).")
        case .contentTooLarge:
            return BodyLimitMiddleware.tooLarge(maxBodyBytes)
        case .badRequest:
            return .badRequest(field: nil, "the request is malformed (\(error.body ?? "unreadable body")); check its JSON against the OpenAPI document.")
        default:
            return Problem(error.status, "http-\(error.status.code)", detail: error.body ?? error.status.reasonPhrase)
        }
    }
}

/// Refuses a body larger than `service.max_body_bytes` with 413 before it is read: at once when
/// `Content-Length` says so, else when decoding reaches the limit (``ServerRequestContext/maxUploadSize``).
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes {
            throw Self.tooLarge(maxBodyBytes)
        }
        var context = context
        context.maxUploadSize = maxBodyBytes
        return try await next(request, context)
    }

    static func tooLarge(_ limit: Int) -> Problem {
        Problem(.contentTooLarge, "body-too-large", field: "Content-Length",
                detail: "the body is larger than \(limit) bytes (service.max_body_bytes); send a smaller one, or raise service.max_body_bytes in breachmail.yaml.")
    }
}

/// The method and path pattern of every registered route, to tell 405 from 404.
final class RouteTable: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(method: HTTPRequest.Method, segments: [Substring])] = []

    func add(_ method: HTTPRequest.Method, _ path: String) {
        lock.withLock { entries.append((method, path.split(separator: "/"))) }
    }

    /// The methods of the routes whose pattern matches `path` (`{x}` matches any one segment).
    func methods(forPath path: String) -> [HTTPRequest.Method] {
        let given = path.split(separator: "/")
        return lock.withLock {
            entries.filter { entry in
                entry.segments.count == given.count
                    && zip(entry.segments, given).allSatisfy { pattern, segment in pattern.hasPrefix("{") || pattern.hasPrefix(":") || pattern == segment }
            }.map(\.method)
        }
    }
}
