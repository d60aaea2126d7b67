import BreachCore
internal import CCurl

/// The libcurl results that decide an outcome, named; everything else is `.other`.
enum CurlResult: Equatable {
    case ok
    case couldntResolveHost, couldntConnect, operationTimedOut
    case sendError, receiveError, gotNothing, weirdServerReply, sslConnectError
    case loginDenied
    case peerFailedVerification, caCertificateBadFile, useSSLFailed, sslCertificateProblem
    case other(Int)

    init(_ code: CURLcode) {
        switch code {
        case CURLE_OK: self = .ok
        case CURLE_COULDNT_RESOLVE_HOST: self = .couldntResolveHost
        case CURLE_COULDNT_CONNECT: self = .couldntConnect
        case CURLE_OPERATION_TIMEDOUT: self = .operationTimedOut
        case CURLE_SEND_ERROR: self = .sendError
        case CURLE_RECV_ERROR: self = .receiveError
        case CURLE_GOT_NOTHING: self = .gotNothing
        case CURLE_WEIRD_SERVER_REPLY: self = .weirdServerReply
        case CURLE_SSL_CONNECT_ERROR: self = .sslConnectError
        case CURLE_LOGIN_DENIED: self = .loginDenied
        case CURLE_PEER_FAILED_VERIFICATION: self = .peerFailedVerification
        case CURLE_SSL_CACERT_BADFILE: self = .caCertificateBadFile
        case CURLE_USE_SSL_FAILED: self = .useSSLFailed
        case CURLE_SSL_CERTPROBLEM: self = .sslCertificateProblem
        default: self = .other(Int(code.rawValue))
        }
    }
}

/// From what libcurl returned and what the server said to what the caller must believe.
///
/// The server's reply decides when there is a failing one (libcurl's codes do not separate 4xx
/// from 5xx); otherwise libcurl's code does. Nothing but a clean end of transaction is accepted.
enum SMTPOutcomeMapping {
    static func outcome(code: CurlResult, libcurlMessage: String, transcript: SMTPTranscript) -> SendOutcome {
        if code == .ok {
            // libcurl returns OK only after a 2xx to the end of data.
            let reply = transcript.lastReply?.reply ?? SMTPReply(code: 250, lines: ["accepted"])
            return .accepted(reply)
        }
        if let (step, reply) = transcript.lastReply, !reply.isPositive {
            return outcome(reply: reply, at: step, libcurlMessage: libcurlMessage)
        }
        let failure = SendFailure(step: transcript.step, reply: nil, reason: libcurlMessage)
        switch code {
        case .couldntResolveHost, .couldntConnect, .operationTimedOut, .sendError, .receiveError,
            .gotNothing, .weirdServerReply, .sslConnectError:
            // A message cut off before its final reply may or may not have been delivered: it
            // is retried, never taken as accepted.
            return .transient(failure)
        case .loginDenied, .peerFailedVerification, .caCertificateBadFile, .useSSLFailed, .sslCertificateProblem:
            // Never downgraded: a relay we cannot verify gets nothing, in clear or otherwise.
            return .localError(failure)
        case .ok, .other:
            return .transient(failure)
        }
    }

    static func outcome(reply: SMTPReply, at step: SMTPStep, libcurlMessage: String) -> SendOutcome {
        let failure = SendFailure(step: step, reply: reply, reason: libcurlMessage)
        if reply.isTransient { return .transient(failure) }
        // RFC 5321 §4.5.3.1.10: "552 too many recipients" is to be taken as temporary.
        if reply.code == 552 && step == .recipient { return .transient(failure) }
        // A refused login, return path or greeting is about our set-up, not the recipient.
        return step.concernsRecipient ? .permanent(failure) : .localError(failure)
    }
}
