import BillingEngine
import Foundation
import Messaging
import NIOConcurrencyHelpers
import Vapor

/// What `serve` does besides answering requests, as a lifecycle service of the application:
/// - the daily billing pass: every minute the runner checks whether today's is done; its lease in
///   `scheduled_jobs` lets one instance of several do it (`BILLING_JOBS=off` when cron runs
///   `billing jobs --once` instead);
/// - the traffic collection: every minute the five-minute slot's `traffic.collect` job is queued
///   (its key makes it one per slot);
/// - the job queue's worker: every second it claims due jobs (provisioning and the rest) with a
///   lease, so several instances share them and none runs twice (`BILLING_JOBS=off` turns it off
///   with the daily pass, when `billing jobs work` runs beside the server instead); mail
///   delivery is one of its kinds (`mail.send`).
/// It starts after boot and stops at shutdown. Tests do not register it: they drive both by hand.
struct BackgroundWork: LifecycleHandler {
    let tasks = NIOLockedValueBox<[Task<Void, Never>]>([])

    func didBoot(_ application: Application) throws {
        let runtime = application.billing
        let logger = runtime.engine.log(.jobs)
        var started: [Task<Void, Never>] = []
        if runtime.config.runJobs {
            started.append(
                Task {
                    let runner = JobRunner(context: runtime.engine)
                    while !Task.isCancelled {
                        do { try await runner.runDue() } catch { logger.error("billing pass failed: \(String(describing: error))") }
                        // The servers' traffic counters, every five minutes (one job per slot).
                        do { try await ServiceTraffic(context: runtime.engine).schedule() } catch {
                            logger.error("traffic collection not queued: \(String(describing: error))")
                        }
                        try? await Task.sleep(for: .seconds(60))
                    }
                })
            started.append(Task { await JobWorker(context: runtime.engine).run(every: .seconds(1)) })
        }
        tasks.withLockedValue { $0 = started }
    }

    func shutdown(_ application: Application) {
        tasks.withLockedValue { tasks in
            for task in tasks { task.cancel() }
            tasks = []
        }
    }
}

extension Application {
    /// Starts the daily billing pass and the job worker (mail among its jobs) with the server (`billing serve`).
    public func startBackgroundWork() {
        lifecycle.use(BackgroundWork())
    }
}
