import FluentKit
import FluentSQL

/// The one durable job queue (see `JobQueue`): everything that talks to an outside system or
/// runs later is a row here, written in the transaction of the change it follows.
public struct CreateJobs: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(JobRecord.schema)
            .id()
            .field("kind", .string, .required)
            .field("payload", .string, .required)
            .field("idempotency_key", .string, .required)
            .field("status", .string, .required)
            .field("run_after", .datetime, .required)
            .field("attempts", .int, .required)
            .field("lease_owner", .string)
            .field("lease_until", .datetime)
            .field("last_error", .string)
            .field("account_id", .uuid)
            .field("service_id", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("finished_at", .datetime)
            .unique(on: "idempotency_key")
            .create()
        // Workers look for due jobs by status and time; staff pages and a service's page by service.
        try await database.sql.raw("CREATE INDEX jobs_due ON jobs (status, run_after)").run()
        try await database.sql.raw("CREATE INDEX jobs_service ON jobs (service_id)").run()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(JobRecord.schema).delete()
    }
}

/// Each plan names the processing module of its services (the registry `ProcessingModules` is
/// keyed by that name, as payment gateways are by theirs).
public struct AddProcessingModuleToPlans: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(PlanRecord.schema).field("processing_module", .string).update()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(PlanRecord.schema).deleteField("processing_module").update()
    }
}

/// Mail delivery moves onto the job queue: each message of the outbox is sent by a `mail.send`
/// job, and a message that carries a secret link stores which link and for whom instead of the
/// token (the token is made when the message is sent). Messages still waiting get their jobs;
/// the bodies of security messages already sent, which hold links, are cleared.
public struct MoveMailOntoJobs: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(OutboxEmailRecord.schema).field("link", .string).update()
        try await database.schema(OutboxEmailRecord.schema).field("link_user_id", .uuid).update()
        // Only the columns that existed then: the record has gained columns since (`attachment`),
        // which a full select would ask an old database for. (The effect is unchanged.)
        let waiting = try await OutboxEmailRecord.query(on: database).filter(\.$status == .queued)
            .field(\.$id).field(\.$accountID).field(\.$nextAttemptAt).field(\.$createdAt).all()
        for message in waiting {
            let job = JobRecord()
            job.id = UUID()
            job.kind = .mailSend
            job.payload = #"{"messageID":"\#(message.id!.uuidString)"}"#
            job.idempotencyKey = "mail:\(message.id!.uuidString.lowercased())"
            job.status = .queued
            job.runAfter = message.nextAttemptAt ?? message.createdAt
            job.attempts = 0
            job.accountID = message.accountID
            job.createdAt = message.createdAt
            job.updatedAt = message.createdAt
            try await job.create(on: database)
        }
        try await OutboxEmailRecord.query(on: database).filter(\.$category == .security).filter(\.$status == .sent)
            .set(\.$body, to: "—").update()
    }
    public func revert(on database: any Database) async throws {
        try await JobRecord.query(on: database).filter(\.$kind == .mailSend).delete()
        try await database.schema(OutboxEmailRecord.schema).deleteField("link_user_id").update()
        try await database.schema(OutboxEmailRecord.schema).deleteField("link").update()
    }
}
