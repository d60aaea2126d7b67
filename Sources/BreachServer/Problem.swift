public import Foundation
public import Hummingbird

/// An RFC 9457 problem: the body of every error response, `application/problem+json`.
///
/// `detail` names the field or header at fault and the fix, never personal data (no address,
/// no name, no request path or query echoed back).
///
/// ```swift
/// throw Problem(.unprocessableContent, "invalid-field", field: "awareness",
///               detail: "awareness must be a date and time with offset, e.g. 2026-11-20T09:30:00+01:00.")
/// ```
public struct Problem: Error, Sendable, Equatable, HTTPResponseError {
    public static let contentType = "application/problem+json"

    /// `urn:breachmail:problem:SLUG`.
    public let type: String
    /// The status's reason phrase, e.g. `Not Found`.
    public let title: String
    public let status: HTTPResponse.Status
    public let detail: String
    /// The request field (JSON key, header, parameter) at fault, when there is one.
    public let field: String?
    /// Extra response headers (`WWW-Authenticate`, `Allow`).
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ slug: String, field: String? = nil, detail: String, headers: HTTPFields = [:]) {
        self.type = "urn:breachmail:problem:\(slug)"
        self.title = status.reasonPhrase
        self.status = status
        self.detail = detail
        self.field = field
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = Self.contentType
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The JSON body, keys sorted.
    public var body: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and an integer only: encoding cannot fail.
        return (try? encoder.encode(Body(type: type, title: title, status: Int(status.code), detail: detail, field: field))) ?? Data()
    }

    private struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let field: String?
    }
}

extension Problem {
    public static func notFound(_ detail: String) -> Problem { Problem(.notFound, "not-found", detail: detail) }

    public static func badRequest(field: String?, _ detail: String) -> Problem {
        Problem(.badRequest, "bad-request", field: field, detail: detail)
    }

    public static func unprocessable(field: String, _ detail: String) -> Problem {
        Problem(.unprocessableContent, "invalid-field", field: field, detail: detail)
    }

    public static func conflict(_ detail: String) -> Problem { Problem(.conflict, "conflict", detail: detail) }

    public static func unsupportedMediaType(expected: String) -> Problem {
        Problem(.unsupportedMediaType, "unsupported-media-type", field: "Content-Type",
                detail: "the body must be \(expected); send Content-Type: \(expected).")
    }

    /// A failure inside the server; the detail never carries the underlying error's text.
    public static let internalError = Problem(.internalServerError, "internal-error",
                                              detail: "the server failed to answer; its log has the cause (look for this request's time). Retry later.")
}
