@testable import BreachPostgres
import PostgresNIO
import Testing

/// A connection lost is told the same whichever of postgres-nio's error types reports it: its
/// current one (`PSQLError`, queries) or its older one (`PostgresError`, the prepared statement
/// of the outcome journal). A loss is retried on a new connection; anything else is the caller's.
/// (A cut that lands during the journal's prepared insert is rare in the end-to-end test
/// `aWorkerCutOffFromTheDatabase…`: one run in five; this checks the mapping itself.)
@Suite struct PostgresLossTests {
    @Test func aLossIsALossInEitherErrorTypeAndNothingElseIs() {
        #expect(PostgresSession.isConnectionLoss(PostgresError.connectionClosed))
        #expect(!PostgresSession.isConnectionLoss(PostgresError.protocol("unexpected message")))
    }
}
